using System.Diagnostics;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;

using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// Import of 50,000 results (issue 11: ≤ 2 s on our 2-core machines): generated Trivy and SARIF reports through
/// <see cref="ReportImportService"/> into the real database, first as new findings, then re-imported unchanged.
/// </summary>
[Trait("Category", "VulnerabilityBench")]
public sealed class ImportBenchmarks(ITestOutputHelper output)
{
    private const int Results = 50_000;
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("DG_BENCH_RUNS"), out var r) ? r : 5;
    private static readonly Caller Engineer = new("bench", "bench@example.test", [Roles.Engineer]);

    [BenchFact]
    public async Task Import_FiftyThousandResults_TrivyAndSarif()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("bench_import");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var importer = services.GetRequiredService<ReportImportService>();
        var trivy = GeneratedReports.Trivy(50, Results / 50);
        var sarif = GeneratedReports.Sarif(Results);
        Report($"reports: Trivy {trivy.Length / 1024.0 / 1024:0.0} MB, SARIF {sarif.Length / 1024.0 / 1024:0.0} MB, {Results:N0} results each");

        // Warm up the code paths and the connection pool once.
        await ImportAsync(importer, GeneratedReports.Trivy(2, 100), "warm-up");

        foreach (var (name, report) in new[] { ("Trivy", trivy), ("SARIF", sarif) })
        {
            var first = new List<double>();
            var again = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                var target = $"{name}-{run}-{Guid.NewGuid():N}";
                first.Add(await ImportAsync(importer, report, target, Results));
                again.Add(await ImportAsync(importer, report, target, 0));
            }

            Report(BenchResults.Summary($"{name} 50,000 results, all new", first));
            Report(BenchResults.Summary($"{name} 50,000 results, re-import (all unchanged)", again));
        }
    }

    private static async Task<double> ImportAsync(ReportImportService importer, byte[] report, string target, int? expectNew = null)
    {
        var watch = Stopwatch.StartNew();
        var result = await importer.ImportAsync(new ImportRequest { Report = new MemoryStream(report), Target = target }, Engineer);
        watch.Stop();
        Assert.True(result.Succeeded, result.Message);
        if (expectNew is { } n)
        {
            Assert.Equal(n, result.Value!.New);
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        BenchResults.Write("vulnerabilities", "import.txt", line);
    }
}
