using System.Diagnostics;
using DeployGuard.Scanning.Reports;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// The client side of an import of 50,000 results without a database: how long reading the generated Trivy and SARIF
/// reports takes (parse only, then with each result's identity), warm, so the import's "parse and COPY" step can be
/// split into parsing and the rest (details JSON, the COPY's encoding and the server's ingestion).
/// </summary>
[Trait("Category", "VulnerabilityBench")]
public sealed class ImportParseBenchmarks(ITestOutputHelper output)
{
    private const int Results = 50_000;
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("DG_BENCH_RUNS"), out var r) ? r : 5;

    [BenchFact]
    public async Task Parse_FiftyThousandResults_TrivyAndSarif()
    {
        await Task.Yield();
        foreach (var (name, report) in new[] { ("Trivy", GeneratedReports.Trivy(50, Results / 50)), ("SARIF", GeneratedReports.Sarif(Results)) })
        {
            var parse = new List<double>();
            var identity = new List<double>();
            var cpu = new List<double>();
            for (var run = -1; run < Runs; run++)
            {
                var cpuBefore = Environment.CpuUsage.TotalTime;
                var watch = Stopwatch.StartNew();
                var count = 0;
                foreach (var result in ReportReader.Open(new MemoryStream(report)).Results)
                {
                    count += result.RuleId.Length > 0 ? 1 : 0;
                }

                var parsed = watch.Elapsed.TotalMilliseconds;
                var cpuParse = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds;
                watch.Restart();
                foreach (var result in ReportReader.Open(new MemoryStream(report)).Results)
                {
                    count += Guid.ParseExact(result.Identity, "N") == Guid.Empty ? 0 : 1;
                }

                Assert.Equal(2 * Results, count);
                if (run >= 0)
                {
                    // The first run (JIT, caches) is left out.
                    parse.Add(parsed);
                    cpu.Add(cpuParse);
                    identity.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            Report(BenchResults.Summary($"{name} 50,000 results, parse only", parse));
            Report(BenchResults.Summary($"{name} 50,000 results, parse only, process CPU", cpu));
            Report(BenchResults.Summary($"{name} 50,000 results, parse with identities", identity));
        }
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        BenchResults.Write("vulnerabilities", "import.txt", line);
    }
}
