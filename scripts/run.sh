#!/usr/bin/env bash
# Runs DeployGuard (Production environment) on http://localhost:5000, or where ASPNETCORE_URLS / --urls say. Without DATABASE_URL or ConnectionStrings__DeployGuard it
# starts its own PostgreSQL cluster (the embedded default; data kept between runs) and applies migrations.
# Extra arguments go to the app, e.g. `scripts/run.sh seed-demo` or `scripts/run.sh db current`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ -z "${DATABASE_URL:-}" ] && [ -z "${ConnectionStrings__DeployGuard:-}" ] \
  && ! command -v initdb >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  echo "==> PostgreSQL server binaries missing: installing postgresql for the embedded database" >&2
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
  elif sudo -n true 2>/dev/null; then
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
  else
    echo "Install PostgreSQL (apt-get install postgresql), or set DATABASE_URL=postgresql://user:pass@host:5432/deployguard." >&2
    exit 1
  fi
fi

# Production unless ASPNETCORE_ENVIRONMENT says otherwise; listens on ASPNETCORE_URLS or --urls (default http://localhost:5000).
exec dotnet run --project DeployGuard.Web --no-launch-profile -- "$@"
