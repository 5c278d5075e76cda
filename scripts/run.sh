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

# Stage commands never run as the app's OS user (docs/security.md): as root they run as 'deployguard-runner',
# otherwise inside bubblewrap. Provide both when missing (without root, only bubblewrap can be checked).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo -n "$@"; else return 1; fi
}
if ! command -v bwrap >/dev/null 2>&1; then
  echo "==> bubblewrap missing (isolates pipeline commands): installing it" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >&2 \
    || { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >&2; } \
    || echo "warning: could not install bubblewrap: command stages will be refused unless DeployGuard runs as root" >&2
fi
if [ "$(id -u)" -eq 0 ] && ! id deployguard-runner >/dev/null 2>&1; then
  echo "==> creating the unprivileged user 'deployguard-runner' that pipeline commands run as" >&2
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin deployguard-runner
fi

# Production unless ASPNETCORE_ENVIRONMENT says otherwise; listens on ASPNETCORE_URLS or --urls (default http://localhost:5000).
exec dotnet run --project DeployGuard.Web --no-launch-profile -- "$@"
