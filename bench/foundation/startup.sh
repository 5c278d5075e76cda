#!/usr/bin/env bash
# Time from process start to the first HTTP 200 on /Account/Login (issue 2), on a new data folder (initdb,
# migrations, roles) and on an existing one (cluster start, migration check), several runs each.
#   bench/foundation/startup.sh [runs]
# Two launchers: the built app (`dotnet DeployGuard.Web.dll`, Release, Production) and the README's run command
# (scripts/run.sh = `dotnet run`, which adds its build up-to-date check). /Account/Login is polled every 20 ms.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RUNS=${1:-5}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Starts "$@" in its own process group, returns seconds until /Account/Login answers 200, then stops the group
# with SIGTERM (background jobs of a script ignore SIGINT) and waits until the app (and with it the embedded
# PostgreSQL) is gone.
measure() {
  local port=$1; shift
  local log; log=$(mktemp)
  local start; start=$(date +%s.%N)
  setsid "$@" >"$log" 2>&1 &
  local leader=$!
  local deadline=$((SECONDS + 300)) code=000
  until [ "$code" = 200 ]; do
    if [ $SECONDS -gt $deadline ] || ! kill -0 $leader 2>/dev/null; then
      echo "app did not serve the login page; log: $log" >&2
      kill -TERM -- -$leader 2>/dev/null || true
      return 1
    fi
    sleep 0.02
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$port/Account/Login" || true)
  done
  local end; end=$(date +%s.%N)
  kill -TERM -- -$leader
  local stop_deadline=$((SECONDS + 60))
  while kill -0 $leader 2>/dev/null; do
    if [ $SECONDS -gt $stop_deadline ]; then kill -KILL -- -$leader; fi
    sleep 0.1
  done
  rm -f "$log"
  echo "$start $end" | awk '{printf "%.2f", $2 - $1}'
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build DeployGuard.Web -c Release -v q -nologo >/dev/null
dotnet build DeployGuard.Web -c Debug -v q -nologo >/dev/null # so that `dotnet run` finds it up to date

for launcher in app run.sh; do
  for state in new existing; do
    times=()
    dir=$(mktemp -d /tmp/dgtests-start-XXXXXX)
    if [ "$state" = existing ]; then
      port=$(free_port)
      Database__Embedded__DataDirectory=$dir ASPNETCORE_ENVIRONMENT=Production \
        measure "$port" dotnet DeployGuard.Web/bin/Release/net10.0/DeployGuard.Web.dll --urls "http://localhost:$port" >/dev/null
    fi
    for _ in $(seq "$RUNS"); do
      if [ "$state" = new ]; then rm -rf "$dir"; dir=$(mktemp -d /tmp/dgtests-start-XXXXXX); fi
      port=$(free_port)
      if [ "$launcher" = app ]; then
        t=$(Database__Embedded__DataDirectory=$dir ASPNETCORE_ENVIRONMENT=Production \
          measure "$port" dotnet DeployGuard.Web/bin/Release/net10.0/DeployGuard.Web.dll --urls "http://localhost:$port")
      else
        t=$(Database__Embedded__DataDirectory=$dir measure "$port" bash scripts/run.sh --urls "http://localhost:$port")
      fi
      times+=("$t")
    done
    rm -rf "$dir"
    printf '%-8s %-9s %s s\n' "$launcher" "$state" "${times[*]}"
  done
done
