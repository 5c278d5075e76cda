#!/usr/bin/env bash
# Login page latency and throughput under wrk on loopback (issue 2). Release build, Production environment,
# embedded PostgreSQL on a throwaway folder. wrk and the app share the machine's cores.
#   bench/foundation/login-wrk.sh [duration] [connections...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
DURATION=${1:-30s}
shift || true
CONNECTIONS=("${@:-16 64}")
read -r -a CONNECTIONS <<<"${CONNECTIONS[*]}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPNETCORE_ENVIRONMENT=Production
export Logging__LogLevel__Default=Warning

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build DeployGuard.Web -c Release -v q -nologo >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
dir=$(mktemp -d /tmp/dgtests-wrk-XXXXXX)
log=$(mktemp)
Database__Embedded__DataDirectory=$dir setsid dotnet DeployGuard.Web/bin/Release/net10.0/DeployGuard.Web.dll --urls "http://localhost:$port" >"$log" 2>&1 &
leader=$!
trap 'kill -TERM -- -$leader 2>/dev/null; while kill -0 $leader 2>/dev/null; do sleep 0.1; done; rm -rf "$dir" "$log"' EXIT
until curl -sf -o /dev/null "http://localhost:$port/Account/Login"; do sleep 0.2; done
url="http://localhost:$port/Account/Login"
echo "page: $(curl -s "$url" | wc -c) bytes; warm-up 10 s"
wrk -t2 -c16 -d10s "$url" >/dev/null
for c in "${CONNECTIONS[@]}"; do
  echo "== wrk -t2 -c$c -d$DURATION --latency $url"
  wrk -t2 -c"$c" -d"$DURATION" --latency -s bench/foundation/login.lua "$url" | sed -n '/Thread Stats/,$p'
done
echo "app max RSS: $(grep VmHWM /proc/$(pgrep -f "DeployGuard.Web.dll --urls http://localhost:$port" | head -1)/status | awk '{print $2/1024 " MiB"}')"
