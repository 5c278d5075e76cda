using System.Diagnostics;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// Pages that must stay fast with a lot of history: 1,000,000 deployments over 90 days (20 services × 3 environments),
/// then the dashboard's delivery figures, the deployments list's first page and the board, each timed as the pages
/// call them.
/// </summary>
[Trait("Category", "DeploymentBench")]
public sealed class DashboardBenchmarks(ITestOutputHelper output)
{
    private const int Deployments = 1_000_000;
    private const int Runs = 30;

    [BenchFact]
    public async Task MillionDeployments_DashboardListAndBoard_QueryTimes()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        var services = await LoadMillionAsync(kit, Report);

        var activity = kit.Get<DeliveryActivityQueries>();
        var queries = kit.Get<DeploymentQueries>();
        await TimeAsync("dashboard delivery figures (14 days)", () => activity.ActivityAsync(14));
        await TimeAsync("deployments list, first page of 25 (newest first)", () => queries.ListAsync(new DeploymentQuery { Take = 25 }));
        await TimeAsync("deployments list, one service, page 100", () => queries.ListAsync(
            new DeploymentQuery { ServiceId = services[3], Skip = 99 * 25, Take = 25 }));
        await TimeAsync("board (20 services × 3 environments)", () => queries.BoardAsync());
    }

    /// <summary>1,000,000 deployments over 90 days (20 services × 3 environments); returns the services' ids.</summary>
    internal static async Task<IReadOnlyList<Guid>> LoadMillionAsync(DeploymentTestKit kit, Action<string> report)
    {
        var environments = new[] { await kit.EnvironmentAsync("dev", 10), await kit.EnvironmentAsync("staging", 20), await kit.EnvironmentAsync("prod", 30) };
        var releases = new List<(Guid Service, Guid Release)>();
        for (var i = 0; i < 20; i++)
        {
            var service = await kit.ServiceAsync();
            releases.Add((service.Id, await kit.ReleaseAsync(service.Id, $"1.{i}.0")));
        }

        var load = Stopwatch.StartNew();
        // Spread over 90 days; every service × environment gets the mix of outcomes (6 in 10 succeeded, then failed,
        // rejected, cancelled, rolled back), one in 500 soft-deleted.
        await Sql.ExecuteAsync(kit.ConnectionString + ";Command Timeout=900", $"""
            WITH r AS (SELECT * FROM unnest(@services::uuid[], @releases::uuid[]) WITH ORDINALITY AS t(service_id, release_id, n)),
                 e AS (SELECT * FROM unnest(@environments::uuid[]) WITH ORDINALITY AS t(environment_id, n))
            INSERT INTO deployments (id, release_id, service_id, environment_id, strategy, trigger, status, pipeline_revision, is_deleted,
                                     created_at, updated_at, started_at, completed_at, duration_seconds, triggered_by_name)
            SELECT gen_random_uuid(), r.release_id, r.service_id, e.environment_id, 'Rolling', 'Manual',
                   (ARRAY['Succeeded','Succeeded','Succeeded','Succeeded','Succeeded','Succeeded','Failed','Rejected','Cancelled','RolledBack'])[1 + (g / 60) % 10],
                   1, g % 500 = 0, t, t, t, t + interval '90 seconds', 90, 'bench'
            FROM generate_series(1, {Deployments}) g
            JOIN r ON r.n = 1 + g % 20
            JOIN e ON e.n = 1 + g % 3
            CROSS JOIN LATERAL (SELECT now() - (g::double precision / {Deployments}) * interval '90 days' AS t) ts;
            ANALYZE deployments;
            """,
            ("services", releases.Select(r => r.Service).ToArray()), ("releases", releases.Select(r => r.Release).ToArray()),
            ("environments", environments.Select(e => e.Id).ToArray()));
        report($"loaded {Deployments:N0} deployments in {load.Elapsed.TotalSeconds:0.0} s");

        return releases.Select(r => r.Service).ToList();
    }

    private async Task TimeAsync<T>(string name, Func<Task<T>> query)
    {
        await query(); // warm-up: connection, plan cache
        var times = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await query();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        Report(BenchResults.Summary($"{name} with {Deployments:N0} deployments", times));
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        BenchResults.Write("dashboard.txt", line);
    }
}
