#!/usr/bin/env bash
# Audit page benchmark (issue 2): 1,000,000 audit rows made by the app's own generator command, then
#   - `audit generate` and `audit verify` durations and peak RSS (GNU time),
#   - AuditService.PageAsync timings (first/next/deep pages, filters) and the streamed CSV export's time and peak RSS.
# Everything runs on an embedded PostgreSQL cluster in a throwaway folder. Usage: bench/foundation/audit.sh [rows] [data-dir]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROWS=${1:-1000000}
DIR=${2:-$(mktemp -d /tmp/dgtests-audit-XXXXXX)}
OUT=${BENCH_OUT:-artifacts/bench}
mkdir -p "$OUT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPNETCORE_ENVIRONMENT=Production
export Database__Embedded__DataDirectory=$DIR
command -v /usr/bin/time >/dev/null || { echo "GNU time is needed: apt-get install -y time" >&2; exit 1; }

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build DeployGuard.Web -c Release -v q -nologo >/dev/null
dotnet build bench/foundation/AuditBench -c Release -v q -nologo >/dev/null
WEB="dotnet DeployGuard.Web/bin/Release/net10.0/DeployGuard.Web.dll"
BENCH="dotnet bench/foundation/AuditBench/bin/Release/net10.0/AuditBench.dll"

$WEB db upgrade
existing=$($BENCH queries "$DIR" 0 | sed -n 's/^audit_logs: \([0-9,]*\) rows.*/\1/p' | tr -d ,)
if [ "${existing:-0}" -lt "$ROWS" ]; then
  echo "== audit generate $((ROWS - existing))"
  /usr/bin/time -f "audit generate: %e s wall, max RSS %M KiB" $WEB audit generate $((ROWS - existing)) 2>&1 | tail -n 3
fi
echo "== audit verify"
/usr/bin/time -f "audit verify: %e s wall, max RSS %M KiB" $WEB audit verify 2>&1 | grep -v "checked"
echo "== page queries"
$BENCH queries "$DIR" "${RUNS:-20}"
echo "== CSV export"
/usr/bin/time -f "csv process: %e s wall, max RSS %M KiB" $BENCH csv "$DIR"
echo "data folder: $DIR (remove it when done)"
