using System.Diagnostics;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// EPSS import of 300,000 rows (issue 11: "in seconds"): a generated FIRST-format gzip file (comment line, header, one CVE a
/// line) through <see cref="EpssImportService"/> into the real database, replacing the table each run.
/// </summary>
[Trait("Category", "VulnerabilityBench")]
public sealed class EpssBenchmarks(ITestOutputHelper output)
{
    private const int Rows = 300_000;
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("DG_BENCH_RUNS"), out var r) ? r : 5;
    private static readonly Caller Admin = new("bench", "bench@example.test", [Roles.Admin]);

    [BenchFact]
    public async Task EpssImport_ThreeHundredThousandRows()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("bench_epss");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var epss = services.GetRequiredService<EpssImportService>();
        var file = GeneratedReports.EpssCsvGz(Rows);
        Report($"file: {file.Length / 1024.0 / 1024:0.0} MB gzip, {Rows:N0} rows");
        await epss.ImportAsync(new MemoryStream(GeneratedReports.EpssCsvGz(1000)), Admin); // warm-up

        var times = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            var watch = Stopwatch.StartNew();
            var result = await epss.ImportAsync(new MemoryStream(file), Admin);
            watch.Stop();
            Assert.True(result.Succeeded, result.Message);
            Assert.Equal(Rows, result.Value!.Rows);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        Report(BenchResults.Summary("EPSS 300,000 rows (gunzip, parse, COPY, replace, re-score)", times));
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        BenchResults.Write("vulnerabilities", "epss.txt", line);
    }
}
