#!/usr/bin/env bash
# Vulnerability-management benchmarks (measurements, not tests; issue 11): report import of 50,000 results, EPSS import of
# 300,000 rows, /vulnerabilities search over 1,000,000 findings. Run on purpose; CI skips them (DG_BENCH unset).
# Results are appended to bench/vulnerabilities/results/*.txt; docs/BENCHMARKS.md (issue 11) summarises a run.
#   bench/vulnerabilities/run.sh            # everything
#   bench/vulnerabilities/run.sh Import     # one class: Import, Epss or Search
# DG_IMPORT_TRACE=1 also prints each import statement's wall time and the server process's CPU time for it.
# Release build by default (the figures are the product's, not a Debug test host's): DG_BENCH_CONFIGURATION=Debug to compare.
# Build first and run the measurement alone: under the shared lock, `bench/vulnerabilities/run.sh --no-build Import`.
set -euo pipefail
cd "$(dirname "$0")/../.."
configuration="${DG_BENCH_CONFIGURATION:-Release}"
build=1
if [[ "${1:-}" == "--no-build" ]]; then build=0; shift; fi
filter="Category=VulnerabilityBench"
if [[ $# -gt 0 ]]; then filter="$filter&FullyQualifiedName~.$1Benchmarks"; fi
if [[ $build == 1 ]]; then dotnet build DeployGuard.Tests -c "$configuration" -v q; fi
mkdir -p bench/vulnerabilities/results
{ nproc; grep -m1 "model name" /proc/cpuinfo || true; grep MemTotal /proc/meminfo; uptime; dotnet --version; } > bench/vulnerabilities/results/machine.txt 2>/dev/null || true
DG_BENCH=1 dotnet test DeployGuard.Tests -c "$configuration" --no-build --filter "$filter" --logger "console;verbosity=detailed"
echo "Results: bench/vulnerabilities/results/"
