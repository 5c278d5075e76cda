using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Tests.Data.Deployments;

/// <summary>Approvals driven through the engine directly (no runner needed: approval stages wait on people).</summary>
public sealed class ApprovalTests : IAsyncLifetime
{
    private const string Pipeline = "stages:\n  - name: approval\n    kind: approval\n  - name: after\n    kind: wait\n    seconds: 0";

    private DeploymentTestKit _kit = default!;

    public async Task InitializeAsync() => _kit = await DeploymentTestKit.CreateAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private ApprovalService Approvals => _kit.Get<ApprovalService>();

    /// <summary>A deployment whose approval stage is waiting; the deployer is returned too.</summary>
    private async Task<(Guid Deployment, Caller Deployer)> WaitingDeploymentAsync(int approvals)
    {
        var environment = await _kit.EnvironmentAsync("appr", approvals: approvals);
        var service = await _kit.ServiceAsync(Pipeline);
        var release = await _kit.ReleaseAsync(service.Id);
        var deployer = await _kit.UserAsync(Roles.Engineer);
        var id = await _kit.StartAsync(release, environment.Id, deployer);
        var engine = _kit.Get<DeploymentEngine>();
        await engine.StartQueuedAsync();
        Assert.Null(await engine.ClaimNextAsync("test-runner"));
        await _kit.WaitForStageAsync(id, "approval", StageStatus.Running);
        return (id, deployer);
    }

    [Fact]
    public async Task DecideAsync_ByTheDeployer_IsForbidden()
    {
        var (id, deployer) = await WaitingDeploymentAsync(1);
        var deployerAsApprover = deployer with { Roles = [Roles.Approver] };

        var result = await Approvals.DecideAsync(id, new ApprovalInput { Approve = true }, deployerAsApprover);

        Assert.Equal(ResultStatus.Forbidden, result.Status);
        Assert.Contains("someone else", result.Message);
        await using var db = _kit.Db();
        Assert.False(await db.Approvals.AnyAsync(a => a.DeploymentId == id));
    }

    [Fact]
    public async Task DecideAsync_ByEngineer_IsForbidden()
    {
        var (id, _) = await WaitingDeploymentAsync(1);

        var result = await Approvals.DecideAsync(id, new ApprovalInput { Approve = true }, await _kit.UserAsync(Roles.Engineer));

        Assert.Equal(ResultStatus.Forbidden, result.Status);
    }

    [Fact]
    public async Task DecideAsync_ParallelApprovers_RecordExactlyTheRequiredDecisionsAndContinueOnce()
    {
        var (id, _) = await WaitingDeploymentAsync(2);
        var approvers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _kit.UserAsync(Roles.Approver)));

        var results = await Task.WhenAll(approvers.Select(a => Task.Run(() => Approvals.DecideAsync(id, new ApprovalInput { Approve = true }, a))));

        Assert.Equal(2, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Contains("not waiting for an approval", r.Message));
        await using var db = _kit.Db();
        Assert.Equal(2, await db.Approvals.CountAsync(a => a.DeploymentId == id));
        var stage = await db.DeploymentStages.SingleAsync(s => s.DeploymentId == id && s.Name == "approval");
        Assert.Equal(StageStatus.Succeeded, stage.Status);
        Assert.Equal(1, await db.DeploymentLogs.CountAsync(l => l.StageId == stage.Id && l.EventType == "stage_finished"));
        Assert.Equal(2, await db.AuditLogs.CountAsync(a => a.ResourceId == id.ToString() && a.Action == "deployment.approved"));
    }

    [Fact]
    public async Task DecideAsync_SameApproverTwiceAtOnce_CountsOnce()
    {
        var (id, _) = await WaitingDeploymentAsync(2);
        var approver = await _kit.UserAsync(Roles.Approver);

        var results = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => Approvals.DecideAsync(id, new ApprovalInput { Approve = true }, approver))));

        Assert.Single(results, r => r.Succeeded);
        await using var db = _kit.Db();
        Assert.Equal(1, await db.Approvals.CountAsync(a => a.DeploymentId == id));
        Assert.Equal(StageStatus.Running, (await db.DeploymentStages.SingleAsync(s => s.DeploymentId == id && s.Name == "approval")).Status);
    }

    [Fact]
    public async Task DecideAsync_Reject_EndsTheDeploymentAsRejectedAndSkipsTheRest()
    {
        var (id, _) = await WaitingDeploymentAsync(2);

        var result = await Approvals.DecideAsync(id, new ApprovalInput { Approve = false, Notes = "not during the incident" },
            await _kit.UserAsync(Roles.Approver));

        Assert.True(result.Succeeded);
        var deployment = await _kit.DeploymentAsync(id);
        Assert.Equal(DeploymentStatus.Rejected, deployment.Status);
        Assert.Contains("not during the incident", deployment.StatusReason);
        Assert.Equal(StageStatus.Skipped, deployment.Stages.Single(s => s.Name == "after").Status);
    }

    [Fact]
    public async Task DecideAsync_OnFinishedDeployment_IsInvalidAndChangesNothing()
    {
        var (id, _) = await WaitingDeploymentAsync(1);
        Assert.True((await Approvals.DecideAsync(id, new ApprovalInput { Approve = false }, await _kit.UserAsync(Roles.Approver))).Succeeded);

        var late = await Approvals.DecideAsync(id, new ApprovalInput { Approve = true }, await _kit.UserAsync(Roles.Approver));
        var unknown = await Approvals.DecideAsync(Guid.NewGuid(), new ApprovalInput { Approve = true }, await _kit.UserAsync(Roles.Approver));

        Assert.Equal(ResultStatus.Invalid, late.Status);
        Assert.Contains("already was rejected", late.Message);
        Assert.Equal(ResultStatus.NotFound, unknown.Status);
        await using var db = _kit.Db();
        Assert.Equal(1, await db.Approvals.CountAsync(a => a.DeploymentId == id));
    }

    [Fact]
    public async Task DecideAsync_TeamRestriction_OnlyMembersCount()
    {
        var member = await _kit.UserAsync(Roles.Approver);
        var outsider = await _kit.UserAsync(Roles.Approver);
        var teamId = Guid.CreateVersion7();
        await using (var db = _kit.Db())
        {
            db.Teams.Add(new Team { Id = teamId, Name = $"team-{Guid.NewGuid():N}"[..20] });
            db.TeamMembers.Add(new TeamMember { TeamId = teamId, UserId = member.UserId! });
            await db.SaveChangesAsync();
        }

        var environment = await _kit.EnvironmentAsync("teams", approvals: 1, edit: e => e.ApprovalTeamIds = [teamId]);
        var service = await _kit.ServiceAsync(Pipeline);
        var id = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id), environment.Id);
        await _kit.Get<DeploymentEngine>().StartQueuedAsync();
        await _kit.Get<DeploymentEngine>().ClaimNextAsync("test-runner");

        var refused = await Approvals.DecideAsync(id, new ApprovalInput { Approve = true }, outsider);
        var accepted = await Approvals.DecideAsync(id, new ApprovalInput { Approve = true }, member);

        Assert.Equal(ResultStatus.Forbidden, refused.Status);
        Assert.Contains("members of team-", refused.Message);
        Assert.True(accepted.Succeeded);
    }

    [Fact]
    public async Task ApproverEmailsAsync_ApproversButNotTheDeployerOrThoseWhoOptedOut()
    {
        var (id, deployer) = await WaitingDeploymentAsync(1);
        var approver = await _kit.UserAsync(Roles.Approver);
        var optedOut = await _kit.UserAsync(Roles.Approver);
        await using (var db = _kit.Db())
        {
            db.UserPreferences.Add(new UserPreferences { UserId = optedOut.UserId!, ApprovalRequestNotifications = false });
            await db.SaveChangesAsync();
        }

        var emails = await Approvals.ApproverEmailsAsync(id);

        Assert.Contains(approver.UserName, emails);
        Assert.DoesNotContain(optedOut.UserName, emails);
        Assert.DoesNotContain(deployer.UserName, emails);
    }

    [Fact]
    public async Task PendingAsync_ListsWaitingDeploymentWithWhyTheCallerCannotDecide()
    {
        var (id, deployer) = await WaitingDeploymentAsync(1);

        var forApprover = await Approvals.PendingAsync(await _kit.UserAsync(Roles.Approver), id);
        var forDeployer = await Approvals.PendingAsync(deployer with { Roles = [Roles.Approver] }, id);

        var item = Assert.Single(forApprover);
        Assert.Null(item.CannotDecideReason);
        Assert.Equal(["1.0.0"], item.VersionsSinceLive);
        Assert.Contains("Release 1.0.0", item.NotesHtml);
        Assert.NotNull(Assert.Single(forDeployer).CannotDecideReason);
    }
}
