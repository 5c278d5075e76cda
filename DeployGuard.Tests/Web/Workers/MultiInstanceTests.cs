using System.Collections.Concurrent;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Tests.Web.Workers;

/// <summary>Two instances (two sets of services, buses and runners) on one database.</summary>
public sealed class MultiInstanceTests
{
    [Fact]
    public async Task Runners_CompetingOnOneDatabase_NeverRunAStageTwice()
    {
        await using var a = await DeploymentTestKit.CreateAsync(runner: true, listen: true);
        await using var b = await DeploymentTestKit.CreateAsync(a.ConnectionString, runner: true, listen: true);
        var environment = await a.EnvironmentAsync("race");
        // Every run of a stage prints one line into the deployment's log: a stage run twice would show twice.
        var yaml = """
            stages:
              - name: one
                kind: command
                run: echo "ran $DG_DEPLOYMENT_ID $DG_STAGE"
              - name: two
                kind: command
                run: echo "ran $DG_DEPLOYMENT_ID $DG_STAGE"
              - name: three
                kind: command
                run: echo "ran $DG_DEPLOYMENT_ID $DG_STAGE"
            """;
        var ids = new List<Guid>();
        for (var i = 0; i < 24; i++)
        {
            var service = await a.ServiceAsync(yaml);
            ids.Add(await a.StartAsync(await a.ReleaseAsync(service.Id), environment.Id));
        }

        foreach (var id in ids)
        {
            Assert.Equal(DeploymentStatus.Succeeded, (await a.WaitForFinishAsync(id, TimeSpan.FromSeconds(60))).Status);
        }

        await using var db = a.Db();
        var lines = await db.DeploymentLogs.Where(l => ids.Contains(l.DeploymentId) && l.EventType == "stdout").Select(l => l.Message).ToListAsync();
        Assert.Equal(ids.Count * 3, lines.Count);
        Assert.Equal(lines.Count, lines.Distinct().Count());
        var runners = await db.DeploymentStages.Where(s => ids.Contains(s.DeploymentId)).Select(s => s.ClaimedBy).Distinct().ToListAsync();
        Assert.Subset(new HashSet<string?> { a.Runner.RunnerId, b.Runner.RunnerId }, runners.ToHashSet());
        Assert.Equal(2, runners.Count);
    }

    [Fact]
    public async Task EventBus_PublishedOnOneInstance_ReachesSubscribersOfTheOtherWithLogLines()
    {
        await using var a = await DeploymentTestKit.CreateAsync(listen: true);
        await using var b = await DeploymentTestKit.CreateAsync(a.ConnectionString, listen: true);
        var environment = await a.EnvironmentAsync("bus");
        var service = await a.ServiceAsync("stages:\n  - name: a\n    kind: wait\n    seconds: 0");
        var id = await a.StartAsync(await a.ReleaseAsync(service.Id), environment.Id);
        var received = new List<DeploymentEvent>();
        var gotLines = new TaskCompletionSource<DeploymentEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = b.Get<DeploymentEventBus>().Subscribe(id, e =>
        {
            lock (received)
            {
                received.Add(e);
            }

            if (e.Kind == DeploymentEventKind.LogAppended && e.Lines!.Any(l => l.Message == "hello from A"))
            {
                gotLines.TrySetResult(e);
            }
        });

        var lines = await a.Get<LogStore>().AppendAsync(id,
            [new NewLogLine(null, DateTimeOffset.UtcNow, DeploymentLogLevel.Info, DeploymentLogSource.Agent, "test", "hello from A")]);
        await a.Get<DeploymentEventBus>().PublishAsync(new DeploymentEvent(DeploymentEventKind.LogAppended, id)
        {
            FirstLogId = lines[0].Id, LastLogId = lines[^1].Id, Lines = lines,
        });
        await a.Get<DeploymentEngine>().StartQueuedAsync();

        var e = await gotLines.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(lines[0].Id, e.Lines!.Single(l => l.Message == "hello from A").Id);
        await b.WaitForAsync(id, _ =>
        {
            lock (received)
            {
                return received.Any(r => r.Kind == DeploymentEventKind.DeploymentChanged && r.Status == "Running");
            }
        }, TimeSpan.FromSeconds(10), "B to hear that A started the deployment");
    }

    [Fact]
    public async Task EventListener_ListenConnectionKilled_ReconnectsAndTellsEverySubscriberToResync()
    {
        await using var a = await DeploymentTestKit.CreateAsync(listen: true);
        await using var b = await DeploymentTestKit.CreateAsync(a.ConnectionString, listen: true);
        var watchedDeployment = Guid.NewGuid();
        var resyncs = new ConcurrentBag<Guid?>();
        var afterReconnect = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bus = b.Get<DeploymentEventBus>();
        using var one = bus.Subscribe(watchedDeployment, e =>
        {
            if (e.Kind == DeploymentEventKind.Resync)
            {
                resyncs.Add(watchedDeployment);
            }
            else if (e.Kind == DeploymentEventKind.DeploymentChanged && e.Message == "after the reconnect")
            {
                afterReconnect.TrySetResult();
            }
        });
        using var all = bus.Subscribe(null, e =>
        {
            if (e.Kind == DeploymentEventKind.Resync)
            {
                resyncs.Add(null);
            }
        });

        // Kill B's LISTEN connection from the server side, as a failover or an idle-connection reaper would.
        var killed = await Sql.ScalarAsync<long>(a.ConnectionString, $"""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = current_database() AND query = 'LISTEN {DeploymentEventBus.Channel}'
            """);
        Assert.Equal(2L, killed); // A's and B's listeners

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (resyncs.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(watchedDeployment, resyncs);
        Assert.Contains(null, resyncs);
        // And the new connection carries the other instance's events again.
        await a.Get<DeploymentEventBus>().PublishAsync(new DeploymentEvent(DeploymentEventKind.DeploymentChanged, watchedDeployment)
        {
            Message = "after the reconnect",
        });
        await afterReconnect.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Sweep_StageOfADeadRunner_IsFailedWithAClearReason()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        var environment = await kit.EnvironmentAsync("dead");
        var service = await kit.ServiceAsync("stages:\n  - name: long\n    kind: command\n    run: sleep 100\n  - name: after\n    kind: command\n    run: echo no");
        var id = await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);
        var engine = kit.Get<DeploymentEngine>();
        await engine.StartQueuedAsync();
        // A runner on another machine claims the stage, then dies (never heartbeats again).
        Assert.NotNull(await engine.ClaimNextAsync("other-host/4242/abcdef"));

        await using var runner = await DeploymentTestKit.CreateAsync(kit.ConnectionString, runner: true,
            configure: o =>
            {
                o.Kinds[DeploymentEngine.StageJobKind] = new DeployGuard.Data.Services.Jobs.JobKindOptions { StaleAfterSeconds = 2 };
                o.HeartbeatSeconds = 1;
            });
        var deployment = await kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(20));

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        var stage = deployment.Stages.Single(s => s.Name == "long");
        Assert.StartsWith("The runner other-host/4242/abcdef stopped responding", stage.Error);
        Assert.Equal(StageStatus.Skipped, deployment.Stages.Single(s => s.Name == "after").Status);
        Assert.Contains(await kit.AuditAsync(id.ToString()), a => a.Action == "deployment.stage_recovered");
    }

    [Fact]
    public async Task Rollback_FromAFailedDeployment_RunsTheLastGoodReleaseAndBlocksTheBadOne()
    {
        await using var kit = await DeploymentTestKit.CreateAsync(runner: true);
        var environment = await kit.EnvironmentAsync("rb");
        // The smoke test fails for 1.1.0 only.
        var service = await kit.ServiceAsync("stages:\n  - name: deploy\n    kind: command\n    run: echo deploying $DG_RELEASE_VERSION\n" +
                                             "  - name: smoke_test\n    kind: command\n    run: test \"$DG_RELEASE_VERSION\" != 1.1.0");
        var good = await kit.ReleaseAsync(service.Id, "1.0.0");
        var bad = await kit.ReleaseAsync(service.Id, "1.1.0");
        Assert.Equal(DeploymentStatus.Succeeded, (await kit.WaitForFinishAsync(await kit.StartAsync(good, environment.Id))).Status);
        var failed = await kit.StartAsync(bad, environment.Id);
        Assert.Equal(DeploymentStatus.Failed, (await kit.WaitForFinishAsync(failed)).Status);
        var engineer = await kit.UserAsync(Roles.Engineer);
        var deployments = kit.Get<DeploymentService>();

        var noReason = await deployments.RollbackAsync(failed, new RollbackInput(), engineer);
        var result = await deployments.RollbackAsync(failed, new RollbackInput { Reason = "smoke test failed" }, engineer);

        Assert.Contains(nameof(RollbackInput.Reason), noReason.Errors.Keys);
        Assert.True(result.Succeeded, result.Message);
        var rollbackDeployment = await kit.WaitForFinishAsync(result.Value!.DeploymentId);
        Assert.Equal(DeploymentStatus.Succeeded, rollbackDeployment.Status);
        Assert.Equal(good, rollbackDeployment.ReleaseId);
        Assert.Equal(failed, rollbackDeployment.PreviousDeploymentId);
        Assert.Equal(DeploymentStatus.RolledBack, (await kit.DeploymentAsync(failed)).Status);
        await using (var db = kit.Db())
        {
            var rollback = await db.Rollbacks.SingleAsync(r => r.DeploymentId == failed);
            Assert.Equal(RollbackStatus.Completed, rollback.Status);
            Assert.Equal(good, rollback.TargetReleaseId);
            Assert.Equal("smoke test failed", rollback.Reason);
            Assert.Equal(ReleaseStatus.RolledBack, (await db.Releases.SingleAsync(r => r.Id == bad)).Status);
        }

        var again = await deployments.StartAsync(new StartDeploymentInput { ReleaseId = bad, EnvironmentId = environment.Id }, engineer);
        var twice = await deployments.RollbackAsync(failed, new RollbackInput { Reason = "again" }, engineer);
        Assert.Contains("is blocked in", again.Errors[nameof(StartDeploymentInput.ReleaseId)][0]);
        Assert.Contains("already been rolled back", twice.Message);

        var protection = kit.Get<EnvironmentProtectionService>();
        var block = Assert.Single((await protection.GetAsync(environment.Id))!.Blocked);
        Assert.Equal(DeployGuard.Data.Services.Common.ResultStatus.Forbidden,
            (await protection.UnblockAsync(block.Id, new UnblockInput { Reason = "fixed" }, engineer)).Status);
        Assert.True((await protection.UnblockAsync(block.Id, new UnblockInput { Reason = "config fixed" }, await kit.UserAsync(Roles.Admin))).Succeeded);
        Assert.True((await deployments.StartAsync(new StartDeploymentInput { ReleaseId = bad, EnvironmentId = environment.Id }, engineer)).Succeeded);
        var audit = await kit.AuditAsync(failed.ToString());
        Assert.Contains(audit, a => a.Action == "deployment.rolled_back" && a.UserId == engineer.UserId);
    }
}
