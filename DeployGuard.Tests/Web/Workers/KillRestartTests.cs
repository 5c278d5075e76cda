using DeployGuard.Data.Entities;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Workers;

/// <summary>The app process is killed mid-stage and restarted: the deployment ends failed, with its logs intact.</summary>
[Collection(AppProcessCollection.Name)]
public sealed class KillRestartTests
{
    [Fact]
    public async Task AppKilledMidStage_Restarted_DeploymentEndsFailedWithLogsIntact()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        var environment = await kit.EnvironmentAsync("crash");
        // A sleep no other process has, to find the command from outside its (isolated) pid namespace.
        var sleep = $"300.{Random.Shared.Next(100_000, 999_999)}";
        var service = await kit.ServiceAsync($$"""
            stages:
              - name: long
                kind: command
                run: for i in $(seq 1 200); do echo "line $i"; done; sleep {{sleep}}
              - name: never
                kind: command
                run: echo never
            """);
        var id = await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);
        var settings = new Dictionary<string, string> { ["Jobs:HeartbeatSeconds"] = "1" };

        var first = await AppProcess.StartAsync(kit.ConnectionString, settings: settings);
        await kit.WaitForAsync(id, _ => LogCount(kit, id) >= 200, TimeSpan.FromSeconds(30), "200 lines written by the first instance");
        Assert.NotEmpty(HostProcesses.WithArgument(sleep));
        var before = await kit.LogsAsync(id);
        await first.CrashAsync();
        await first.DisposeAsync();
        Assert.Equal(DeploymentStatus.Running, (await kit.DeploymentAsync(id)).Status);

        await using var second = await AppProcess.StartAsync(kit.ConnectionString, settings: settings);
        var deployment = await kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(45));

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        var stage = deployment.Stages.Single(s => s.Name == "long");
        Assert.Equal(StageStatus.Failed, stage.Status);
        Assert.Contains("stopped responding", stage.Error);
        Assert.Contains("its process is gone", stage.Error);
        Assert.Equal(StageStatus.Skipped, deployment.Stages.Single(s => s.Name == "never").Status);
        var after = await kit.LogsAsync(id);
        Assert.Equal(before.Select(l => (l.Id, l.Message)), after.Take(before.Count).Select(l => (l.Id, l.Message)));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"line {i}"), after.Where(l => l.EventType == "stdout").Select(l => l.Message));
        // The restarted instance also stopped the command the dead one had left running.
        await kit.WaitForAsync(id, _ => HostProcesses.WithArgument(sleep).Count == 0, TimeSpan.FromSeconds(10), "the orphaned command to be killed");
    }

    private static int LogCount(DeploymentTestKit kit, Guid id)
    {
        using var db = kit.Db();
        return db.DeploymentLogs.Count(l => l.DeploymentId == id && l.EventType == "stdout");
    }
}
