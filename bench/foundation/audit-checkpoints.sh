#!/usr/bin/env bash
# Audit insert throughput with checkpoint signing (issue 8) against the same inserts without it, on an embedded PostgreSQL
# cluster in a throwaway folder (the app's own `db upgrade`, then bench/foundation/AuditBench in Release):
#   - one row per transaction through AuditWriter (what the app does), 4 writers, signing off / every 1,000 rows / every 100 rows
#   - INSERT ... SELECT batches of 50,000 (what `audit generate` does, the figure of issue 2), signing off / every 1,000 rows
# then `audit verify` of the whole trail against the signed checkpoints. Usage: bench/foundation/audit-checkpoints.sh [rows] [data-dir]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROWS=${1:-20000}
DIR=${2:-$(mktemp -d /tmp/dgbench-checkpoints-XXXXXX)}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
export Database__Embedded__DataDirectory=$DIR/pg DataDirectory=$DIR Audit__CheckpointsEnabled=false

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build DeployGuard.Web -c Release -v q -nologo >/dev/null
dotnet build bench/foundation/AuditBench -c Release -v q -nologo >/dev/null
WEB="dotnet DeployGuard.Web/bin/Release/net10.0/DeployGuard.Web.dll"
BENCH="dotnet bench/foundation/AuditBench/bin/Release/net10.0/AuditBench.dll"

$WEB db upgrade
$WEB audit public-key >/dev/null   # creates the signing key the bench signs with
for every in 0 1000 100; do
  echo "== load $(cut -d' ' -f1-3 /proc/loadavg)"
  $BENCH inserts "$DIR/pg" "$ROWS" 4 "$every" | grep '^inserts:'
done
for every in 0 1000; do
  echo "== load $(cut -d' ' -f1-3 /proc/loadavg)"
  $BENCH inserts "$DIR/pg" 200000 1 "$every" 50000 | grep '^inserts:'
done
echo "== audit verify (chain and checkpoints)"
$WEB audit verify 2>/dev/null | tail -n 3 || true
echo "data folder: $DIR (remove it when done)"
