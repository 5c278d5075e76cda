#!/usr/bin/env bash
# Vulnerability-management benchmarks (measurements, not tests; issue 11): report import of 50,000 results, EPSS import of
# 300,000 rows, /vulnerabilities search over 1,000,000 findings. Run on purpose; CI skips them (DG_BENCH unset).
# Results are appended to bench/vulnerabilities/results/*.txt; docs/BENCHMARKS.md (issue 11) summarises a run.
#   bench/vulnerabilities/run.sh            # everything
#   bench/vulnerabilities/run.sh Import     # one class: Import, Epss or Search
# DG_IMPORT_TRACE=1 also prints each import statement's wall time and the server process's CPU time for it.
set -euo pipefail
cd "$(dirname "$0")/../.."
filter="Category=VulnerabilityBench"
if [[ $# -gt 0 ]]; then filter="$filter&FullyQualifiedName~$1Benchmarks"; fi
dotnet build DeployGuard.Tests -v q
mkdir -p bench/vulnerabilities/results
{ nproc; grep -m1 "model name" /proc/cpuinfo || true; grep MemTotal /proc/meminfo; uptime; dotnet --version; } > bench/vulnerabilities/results/machine.txt 2>/dev/null || true
DG_BENCH=1 dotnet test DeployGuard.Tests --no-build --filter "$filter" --logger "console;verbosity=detailed"
echo "Results: bench/vulnerabilities/results/"
