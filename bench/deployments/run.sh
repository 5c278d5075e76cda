#!/usr/bin/env bash
# Deployment benchmarks (measurements, not tests): stage-change latency in browsers and SignalR clients, log
# throughput and page memory, claim latency with two runners. Run on purpose; CI skips them (DG_BENCH unset).
# Results are appended to bench/deployments/results/*.txt; docs/BENCHMARKS.md (issue 3) summarises a run.
#   bench/deployments/run.sh                 # everything (~10 minutes on 2 cores)
#   bench/deployments/run.sh Latency         # one class: Latency, Log, Claim or Dashboard
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v chromium >/dev/null || { echo "chromium missing: apt-get install -y chromium" >&2; exit 1; }
filter="Category=DeploymentBench"
if [[ $# -gt 0 ]]; then filter="$filter&FullyQualifiedName~$1Benchmarks"; fi
dotnet build DeployGuard.Web -v q
dotnet build DeployGuard.Tests -v q
{ nproc; grep -m1 "model name" /proc/cpuinfo || true; grep MemTotal /proc/meminfo; dotnet --version; } > bench/deployments/results/machine.txt 2>/dev/null || true
DG_BENCH=1 dotnet test DeployGuard.Tests --no-build --filter "$filter" --logger "console;verbosity=detailed"
echo "Results: bench/deployments/results/"
