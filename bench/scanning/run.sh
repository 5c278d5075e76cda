#!/usr/bin/env bash
# Secret-scanning benchmark (run on purpose, not in CI). See run.py and docs/BENCHMARKS.md (issue 4).
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"
