using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Workers;

/// <summary>An approval in the middle of a pipeline run by the real runner, with the environment's wait timer.</summary>
public sealed class ApprovalFlowTests
{
    [Fact]
    public async Task Run_ApprovalThenCommands_ContinuesAfterApprovalAndWaitTimer()
    {
        await using var kit = await DeploymentTestKit.CreateAsync(runner: true);
        var environment = await kit.EnvironmentAsync("prod", approvals: 1, edit: e => e.WaitTimerSeconds = 1);
        var service = await kit.ServiceAsync("stages:\n  - name: build\n    kind: command\n    run: echo build\n  - name: approval\n    kind: approval\n" +
                                             "  - name: deploy\n    kind: command\n    run: echo deploy; sleep 0.2\n  - name: smoke\n    kind: command\n    run: echo smoke");
        var id = await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);
        await kit.WaitForStageAsync(id, "approval", StageStatus.Running);

        var result = await kit.Get<ApprovalService>().DecideAsync(id, new ApprovalInput { Approve = true, Notes = "ok" }, await kit.UserAsync(Roles.Approver));
        var deployment = await kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(30));

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(DeploymentStatus.Succeeded, deployment.Status);
        var approval = deployment.Stages.Single(s => s.Name == "approval");
        var deploy = deployment.Stages.Single(s => s.Name == "deploy");
        Assert.True(deploy.StartedAt >= approval.CompletedAt!.Value.AddSeconds(1), "the wait timer was not respected");
    }
}
