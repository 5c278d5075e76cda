using System.Collections.Concurrent;
using System.Diagnostics;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// 1,000 queued single-stage deployments drained by two runners: the time one claim takes (the job claim and
/// the update to Running) measured around the engine call by two competing claimers, and the same queue drained by two
/// real app instances running `true`.
/// </summary>
[Trait("Category", "DeploymentBench")]
[Collection(AppProcessCollection.Name)]
public sealed class ClaimBenchmarks(ITestOutputHelper output)
{
    private const int Queued = 1000;

    [BenchFact]
    public async Task TwoClaimers_ThousandQueuedStages_ClaimLatency()
    {
        await using var a = await DeploymentTestKit.CreateAsync();
        await using var b = await DeploymentTestKit.CreateAsync(a.ConnectionString);
        var ids = await QueueAsync(a);
        await a.Get<DeploymentEngine>().StartQueuedAsync();
        while (await a.Get<DeploymentEngine>().StartQueuedAsync() > 0)
        {
        }

        var claims = new ConcurrentBag<(string Runner, Guid Stage, double Ms)>();
        async Task Claim(DeploymentTestKit kit, string runner)
        {
            var engine = kit.Get<DeploymentEngine>();
            while (true)
            {
                var watch = Stopwatch.StartNew();
                var stage = await engine.ClaimNextAsync(runner);
                watch.Stop();
                if (stage is null)
                {
                    return;
                }

                claims.Add((runner, stage.StageId, watch.Elapsed.TotalMilliseconds));
                await engine.CompleteStageAsync(stage.StageId, runner, StageOutcome.Succeeded(0));
            }
        }

        var total = Stopwatch.StartNew();
        await Task.WhenAll(Claim(a, "bench-a"), Claim(b, "bench-b"));
        total.Stop();

        Assert.Equal(Queued, claims.Count);
        Assert.Equal(Queued, claims.Select(c => c.Stage).Distinct().Count());
        var lines = new[]
        {
            BenchResults.Summary($"claim (ClaimNextAsync) with 2 competing claimers, {Queued} queued stages", claims.Select(c => c.Ms).ToList()),
            $"claim+complete drain: {Queued} stages in {total.Elapsed.TotalSeconds:0.00} s = {Queued / total.Elapsed.TotalSeconds:0} stages/s; " +
            $"split {claims.Count(c => c.Runner == "bench-a")}/{claims.Count(c => c.Runner == "bench-b")}; no stage claimed twice",
        };
        Report(lines);
        _ = ids;
    }

    [BenchFact]
    public async Task TwoAppInstances_ThousandQueuedStages_QueueToStart()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        var ids = await QueueAsync(kit);
        var total = Stopwatch.StartNew();
        await using var first = await AppProcess.StartAsync(kit.ConnectionString);
        await using var second = await AppProcess.StartAsync(kit.ConnectionString);
        var deadline = DateTime.UtcNow.AddMinutes(20);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = kit.Db();
            if (await db.Deployments.CountAsync(d => ids.Contains(d.Id) && d.Status == DeploymentStatus.Queued || d.Status == DeploymentStatus.Running) == 0)
            {
                break;
            }

            await Task.Delay(250);
        }

        total.Stop();
        await using var check = kit.Db();
        var stages = await check.DeploymentStages.AsNoTracking().Where(s => ids.Contains(s.DeploymentId)).Include(s => s.Deployment).ToListAsync();
        Assert.All(stages, s => Assert.Equal(StageStatus.Succeeded, s.Status));
        // Runnable from the moment its deployment started; started when a runner claimed it.
        var waits = stages.Select(s => (s.StartedAt!.Value - s.Deployment!.StartedAt!.Value).TotalMilliseconds).ToList();
        var firstStart = stages.Min(s => s.StartedAt!.Value);
        var lastEnd = stages.Max(s => s.CompletedAt!.Value);
        Report(
        [
            BenchResults.Summary($"queue wait (deployment started → its stage started; dominated by {Queued} stages sharing 8 slots), 2 app instances × 4 slots", waits),
            BenchResults.Summary("stage run time of `true` (claimed → completed: spawn under setsid, log flush, completion transaction)",
                stages.Select(s => (s.CompletedAt!.Value - s.StartedAt!.Value).TotalMilliseconds).ToList()),
            $"drain: {Queued} deployments in {(lastEnd - firstStart).TotalSeconds:0.0} s = {Queued / (lastEnd - firstStart).TotalSeconds:0.0} stages/s " +
            $"(each stage is a real `setsid bash -c true` with its log lines and metrics); split by runner: " +
            string.Join(", ", stages.GroupBy(s => s.ClaimedBy).Select(g => g.Count())),
        ]);
    }

    private static async Task<List<Guid>> QueueAsync(DeploymentTestKit kit)
    {
        var environment = await kit.EnvironmentAsync("claims");
        var ids = new List<Guid>();
        for (var i = 0; i < Queued; i++)
        {
            // One service each, so the one-running-per-service+environment rule does not serialise them.
            var service = await kit.ServiceAsync("stages:\n  - name: only\n    kind: command\n    run: 'true'");
            ids.Add(await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id));
        }

        return ids;
    }

    private void Report(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
            BenchResults.Write("claims.txt", line);
        }
    }
}
