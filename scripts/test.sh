#!/usr/bin/env bash
# Runs the whole DeployGuard test suite on a machine like ours (Debian 12, .NET SDK 10):
# installs what is missing (PostgreSQL server, chromium), restores, builds, runs every test project of
# DeployGuard.sln with a TRX logger, and ends with one line computed from the TRX files:
#   N passed, N failed, N skipped
# Exit status: non-zero when a test failed, when no test ran, or when the build or the test host failed.
#
# Environment: CONFIGURATION (Debug), TEST_RESULTS_DIR (artifacts/test-results), TEST_FILTER (dotnet test --filter;
# default: everything but the benchmarks, which run on purpose through bench/*/run.sh).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
CONFIGURATION=${CONFIGURATION:-Debug}
RESULTS=${TEST_RESULTS_DIR:-$ROOT/artifacts/test-results}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; printf '0 passed, 0 failed\n'; exit 1; }

# Runs a command as root: directly when we are root, through passwordless sudo otherwise. Returns 1 when neither works.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

apt_updated=false
apt_install() {
  if ! $apt_updated; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    apt_updated=true
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

have_postgres_server() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

# 1. What the tests need from the machine.
command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK (dotnet) is not on PATH: install .NET SDK 10 first (see global.json)."

if ! have_postgres_server; then
  log "PostgreSQL server binaries (initdb, pg_ctl) missing: installing postgresql"
  apt_install postgresql || fail "could not install PostgreSQL (needs root or passwordless sudo): apt-get install postgresql"
fi

# Pipeline commands run isolated (docs/security.md): bubblewrap, and as root the unprivileged runner user. The tests
# exercise both (CI runs as root; one test runs the app as 'nobody' to cover the bubblewrap path of a non-root app).
if ! command -v bwrap >/dev/null 2>&1; then
  log "bubblewrap missing (isolates pipeline commands): installing it"
  apt_install bubblewrap || fail "could not install bubblewrap (needs root or passwordless sudo): apt-get install bubblewrap"
fi
if [ "$(id -u)" -eq 0 ] && ! id deployguard-runner >/dev/null 2>&1; then
  log "creating the unprivileged user 'deployguard-runner' that pipeline commands run as"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin deployguard-runner \
    || fail "could not create the deployguard-runner user"
fi

if [ ! -x /usr/bin/chromium ]; then
  log "chromium missing (needed by the browser end-to-end tests): installing it"
  if ! apt_install chromium; then
    log "could not install chromium (needs root or passwordless sudo): browser tests will be skipped or fail; run 'apt-get install -y chromium'"
  fi
fi

# The CLI is published with Native AOT (CliNativeAotTests publishes it), whose link step needs clang (Debian 12: clang-14).
if ! command -v clang >/dev/null 2>&1 && ! command -v clang-14 >/dev/null 2>&1; then
  log "clang missing (links the CLI's Native AOT build): installing it"
  apt_install clang zlib1g-dev || fail "could not install clang (needs root or passwordless sudo): apt-get install clang zlib1g-dev"
fi

# 2. Restore and build once; the test run reuses the build.
log "dotnet restore"
dotnet restore DeployGuard.sln >&2 || fail "restore failed"
log "dotnet build ($CONFIGURATION)"
dotnet build DeployGuard.sln --no-restore -c "$CONFIGURATION" >&2 || fail "build failed"

# The model and the migrations' snapshot agree (a changed entity without `dotnet ef migrations add` fails here).
log "dotnet ef migrations has-pending-model-changes"
dotnet tool restore >&2 || fail "dotnet tool restore failed (dotnet-ef, .config/dotnet-tools.json)"
dotnet ef migrations has-pending-model-changes --project DeployGuard.Data --startup-project DeployGuard.Data \
  --no-build --configuration "$CONFIGURATION" >&2 \
  || fail "the EF model has changes that no migration captures: run dotnet ef migrations add <Name> (see DEVELOPERS.md)"

# 3. Tests, with one TRX file per test project in a clean results folder.
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
log "dotnet test (results in $RESULTS)"
test_args=(DeployGuard.sln --no-build -c "$CONFIGURATION" --results-directory "$RESULTS"
  --logger "trx"
  # A hung test fails the run after 20 minutes instead of running into CI's time limit.
  --blame-hang-timeout 20m --blame-hang-dump-type none)
TEST_FILTER=${TEST_FILTER-Category!=DeploymentBench}
if [ -n "$TEST_FILTER" ]; then
  test_args+=(--filter "$TEST_FILTER")
fi
dotnet test "${test_args[@]}" >&2
test_status=$?

# 4. Count from the TRX files (not from dotnet test's own summary).
shopt -s nullglob globstar
trx_files=("$RESULTS"/**/*.trx)
passed=0 failed=0 skipped=0
for trx in "${trx_files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  attr() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]\+' || echo 0; }
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
  # Skipped tests are results with outcome NotExecuted (the notExecuted counter stays 0 for them).
  skipped=$((skipped + $(grep -o '<UnitTestResult [^>]*outcome="NotExecuted"' "$trx" | wc -l)))
done

status=0
if [ "${#trx_files[@]}" -eq 0 ]; then
  log "no TRX file was written: the test run did not start"
  status=1
elif [ $((passed + failed)) -eq 0 ]; then
  log "no test ran"
  status=1
elif [ "$failed" -gt 0 ]; then
  status=1
elif [ "$test_status" -ne 0 ]; then
  log "dotnet test exited with $test_status although no test failed (test host crash or hang?)"
  status=1
fi

if [ "$skipped" -gt 0 ]; then
  printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
else
  printf '%d passed, %d failed\n' "$passed" "$failed"
fi
exit "$status"
