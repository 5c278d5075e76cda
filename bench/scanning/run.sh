#!/usr/bin/env bash
# Secret-scanning benchmark (run on purpose, not in CI). See run.py and docs/BENCHMARKS.md (issues 4 and 12).
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"
