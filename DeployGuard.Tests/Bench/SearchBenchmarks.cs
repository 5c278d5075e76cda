using System.Diagnostics;
using System.Text;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Scanning;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// /vulnerabilities at 1,000,000 findings (issue 11, p50/p95): one real import gives a scan and a scope, then SQL copies
/// its shape into 1,000,000 findings over 100 services, 20,000 CVEs and 5,000 packages, all severities, EPSS and CVSS
/// spread, 80 % open. Each query is what the page asks for one screen: a page of 25 rows plus the total count.
/// </summary>
[Trait("Category", "VulnerabilityBench")]
public sealed class SearchBenchmarks(ITestOutputHelper output)
{
    private const int Findings = 1_000_000;
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("DG_BENCH_SEARCH_RUNS"), out var r) ? r : 20;
    private static readonly Caller Admin = new("bench", "bench@example.test", [Roles.Admin]);

    [BenchFact]
    public async Task Search_OneMillionFindings_PageQueries()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("bench_search");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var serviceIds = new List<Guid>();
        for (var i = 0; i < 100; i++)
        {
            var created = await services.GetRequiredService<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"bench-svc-{i:000}" }, Admin);
            Assert.True(created.Succeeded, created.Message);
            serviceIds.Add(created.Value!.Id);
        }

        var seed = await services.GetRequiredService<ReportImportService>().ImportAsync(
            new ImportRequest { Report = new MemoryStream(GeneratedReports.Trivy(1, 10)), ServiceId = serviceIds[0] }, Admin);
        Assert.True(seed.Succeeded, seed.Message);
        var watch = Stopwatch.StartNew();
        await GenerateAsync(connectionString, serviceIds);
        Report($"generated {Findings:N0} findings in {watch.Elapsed.TotalSeconds:0.0} s (INSERT … SELECT generate_series, then ANALYZE)");

        // The generator's INSERT queued a summary refresh (its trigger); run it as the worker would once it is due.
        await using (var due = new NpgsqlConnection(connectionString))
        {
            await due.OpenAsync();
            await using var now = new NpgsqlCommand($"UPDATE jobs SET run_after = now() WHERE kind = '{VulnerabilitySummaryJobs.Kind}' AND status = 'Queued'", due);
            await now.ExecuteNonQueryAsync();
        }

        watch.Restart();
        Assert.NotNull(await services.GetRequiredService<JobQueue>().ClaimAsync(services.GetRequiredService<VulnerabilitySummaryJobs>(), "bench"));
        var summaryRows = await CountAsync(connectionString, "SELECT count(*) FROM vulnerability_summaries");
        Report($"summary refreshed in {watch.Elapsed.TotalSeconds:0.00} s ({summaryRows:N0} rows; the VulnerabilitySummary job's claim step)");
        Assert.Equal(0, await CountAsync(connectionString, $"SELECT count(*) FROM jobs WHERE kind = '{VulnerabilitySummaryJobs.Kind}' AND status <> 'Succeeded'"));

        var search = services.GetRequiredService<VulnerabilitySearch>();
        var page = new VulnerabilityQuery { Take = 25 };
        var queries = new (string Name, Func<Task<int>> Run)[]
        {
            ("default page (open + accepted, worst first)", async () => (await search.ListAsync(page)).Total),
            ("severity >= high and EPSS >= 0.1", async () => (await search.ListAsync(page with { MinSeverity = Severity.High, MinEpss = 0.1 })).Total),
            ("CVSS >= 9", async () => (await search.ListAsync(page with { MinCvss = 9 })).Total),
            ("package contains 'lib-12'", async () => (await search.ListAsync(page with { Package = "lib-12" })).Total),
            ("CVE exact", async () => (await search.ListAsync(page with { Cve = "CVE-2024-10042" })).Total),
            ("one service", async () => (await search.ListAsync(page with { ServiceId = serviceIds[7] })).Total),
            ("search text 'overflow'", async () => (await search.ListAsync(page with { Search = "overflow" })).Total),
            ("grouped by CVE", async () => (await search.GroupAsync(page, VulnerabilityGrouping.Cve)).Total),
            ("grouped by package", async () => (await search.GroupAsync(page, VulnerabilityGrouping.Package)).Total),
            ("CVE page", async () => (await search.CveAsync("CVE-2024-10042"))!.Findings.Count),
        };
        foreach (var (name, run) in queries)
        {
            var total = await run(); // warm the plan and the cache
            var times = new List<double>();
            for (var i = 0; i < Runs; i++)
            {
                var w = Stopwatch.StartNew();
                await run();
                times.Add(w.Elapsed.TotalMilliseconds);
            }

            Report(BenchResults.Summary($"{name} ({total:N0} matching)", times));
        }

        if (Environment.GetEnvironmentVariable("DG_BENCH_EXPLAIN") == "1")
        {
            await ExplainAsync(connectionString, queries);
        }
    }

    /// <summary>
    /// Each query once more with auto_explain on (after the timed runs, which it would slow): every statement's
    /// <c>EXPLAIN (ANALYZE, BUFFERS)</c> plan goes to the server log, copied to results/search-plans.txt. The exact count of
    /// the default page runs too, for the plan the screens paid before counts were capped.
    /// </summary>
    private async Task ExplainAsync(string connectionString, IReadOnlyList<(string Name, Func<Task<int>> Run)> queries)
    {
        var log = Path.Combine(TestPostgres.ClusterDirectory!, "postgres.log");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using (var admin = new NpgsqlConnection(TestPostgres.AsSuperuser(connectionString)))
        {
            await admin.OpenAsync();
            await using var set = new NpgsqlCommand($"""
                ALTER DATABASE "{database}" SET session_preload_libraries = 'auto_explain';
                ALTER DATABASE "{database}" SET auto_explain.log_min_duration = 0;
                ALTER DATABASE "{database}" SET auto_explain.log_analyze = on;
                ALTER DATABASE "{database}" SET auto_explain.log_buffers = on;
                """, admin);
            await set.ExecuteNonQueryAsync();
        }

        NpgsqlConnection.ClearAllPools();
        var plans = new StringBuilder();
        foreach (var (name, run) in queries.Append(("exact count of the default page (before the cap)", async () =>
                 {
                     await using var connection = new NpgsqlConnection(connectionString);
                     await connection.OpenAsync();
                     await using var count = new NpgsqlCommand("SELECT count(*) FROM vulnerability_findings WHERE status IN ('open', 'accepted_risk')", connection);
                     return (int)(long)(await count.ExecuteScalarAsync())!;
                 })))
        {
            var start = new FileInfo(log).Length;
            await run();
            await using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(start, SeekOrigin.Begin);
            plans.Append("==== ").AppendLine(name).AppendLine(await new StreamReader(stream).ReadToEndAsync());
        }

        BenchResults.Write("vulnerabilities", "search-plans.txt", plans.ToString());
        output.WriteLine("plans: bench/vulnerabilities/results/search-plans.txt");
    }

    private static async Task GenerateAsync(string connectionString, IReadOnlyList<Guid> services)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var ids = new StringBuilder();
        foreach (var id in services)
        {
            ids.Append(ids.Length == 0 ? "" : ",").Append('\'').Append(id).Append('\'');
        }

        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO vulnerability_findings (id, scope_id, identity, reported, service_id, target, kind, vulnerability_id, cve_id, package_name,
                package_version, package_type, severity, severity_rank, cvss_score, cvss_computed, epss_score, epss_percentile, epss_predicted, epss_source,
                known_exploited, fix_available, fixed_versions, title, status, suppressed, first_seen_at, last_seen_at, first_scan_id, last_scan_id)
            SELECT gen_random_uuid(), t.scope_id, gen_random_uuid(), true, (ARRAY[{ids}]::uuid[])[1 + g % 100], 'bench-image:' || (g % 100), t.kind,
                   'CVE-2024-' || (10000 + g % 20000), 'CVE-2024-' || (10000 + g % 20000), 'lib-' || (g % 5000), '1.' || (g % 7) || '.0', 'npm',
                   (ARRAY['info','low','medium','high','critical'])[1 + g % 5], (g % 5)::smallint, round(((g::bigint * 7919) % 100) / 10.0, 1), false,
                   power(((g::bigint * 104729) % 1000) / 1000.0, 4), ((g::bigint * 104729) % 1000) / 1000.0, g % 3 = 0, CASE WHEN g % 3 = 0 THEN 'estimate' ELSE 'first' END,
                   g % 97 = 0, g % 2 = 0, CASE WHEN g % 2 = 0 THEN '2.0.0' END,
                   CASE WHEN g % 11 = 0 THEN 'heap buffer overflow in parser' ELSE 'denial of service via crafted input' END,
                   (ARRAY['open','open','open','open','fixed','false_positive','open','open','open','accepted_risk'])[1 + g % 10], false,
                   now() - (g % 365) * interval '1 day', now(), t.first_scan_id, t.last_scan_id
            FROM generate_series(1, {Findings}) g, (SELECT scope_id, kind, first_scan_id, last_scan_id FROM vulnerability_findings LIMIT 1) t
            """, connection))
        {
            insert.CommandTimeout = 1800;
            await insert.ExecuteNonQueryAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE vulnerability_findings", connection) { CommandTimeout = 600 };
        await analyze.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        BenchResults.Write("vulnerabilities", "search.txt", line);
    }
}
