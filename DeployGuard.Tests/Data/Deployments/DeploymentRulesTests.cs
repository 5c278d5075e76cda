using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Tests.Data.Deployments;

/// <summary>Starting a deployment: every protection rule refuses with a clear message and changes nothing.</summary>
public sealed class DeploymentRulesTests : IAsyncLifetime
{
    private DeploymentTestKit _kit = default!;

    public async Task InitializeAsync() => _kit = await DeploymentTestKit.CreateAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private DeploymentService Deployments => _kit.Get<DeploymentService>();

    private async Task<int> DeploymentCountAsync()
    {
        await using var db = _kit.Db();
        return await db.Deployments.CountAsync();
    }

    [Fact]
    public async Task StartAsync_UnknownReleaseOrEnvironment_IsInvalidAndChangesNothing()
    {
        var engineer = await _kit.UserAsync(Roles.Engineer);
        var (dev, _, _) = await _kit.EnvironmentsAsync();
        var release = await _kit.ReleaseAsync((await _kit.ServiceAsync()).Id);
        var before = await DeploymentCountAsync();

        var noRelease = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = Guid.NewGuid(), EnvironmentId = dev.Id }, engineer);
        var noEnvironment = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = release, EnvironmentId = Guid.NewGuid() }, engineer);
        var missing = await Deployments.StartAsync(new StartDeploymentInput(), engineer);

        Assert.Contains("does not exist", noRelease.Errors[nameof(StartDeploymentInput.ReleaseId)][0]);
        Assert.Contains("does not exist", noEnvironment.Errors[nameof(StartDeploymentInput.EnvironmentId)][0]);
        Assert.Equal(ResultStatus.Invalid, missing.Status);
        Assert.Equal(before, await DeploymentCountAsync());
    }

    [Fact]
    public async Task StartAsync_ByViewerOrApprover_IsForbidden()
    {
        var (dev, _, _) = await _kit.EnvironmentsAsync();
        var release = await _kit.ReleaseAsync((await _kit.ServiceAsync()).Id);

        var viewer = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = release, EnvironmentId = dev.Id }, await _kit.UserAsync(Roles.Viewer));
        var approver = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = release, EnvironmentId = dev.Id }, await _kit.UserAsync(Roles.Approver));

        Assert.Equal(ResultStatus.Forbidden, viewer.Status);
        Assert.Equal(ResultStatus.Forbidden, approver.Status);
    }

    [Fact]
    public async Task TeamAccess_EngineerOfAnotherTeam_CannotReleaseDeployCancelOrRollBack_MemberAndUnownedServiceCan()
    {
        var member = await _kit.UserAsync(Roles.Engineer, "Member Engineer");
        var outsider = await _kit.UserAsync(Roles.Engineer, "Outsider Engineer");
        var dev = await _kit.EnvironmentAsync("dev");
        var owned = await _kit.ServiceAsync();
        var unowned = await _kit.ServiceAsync();
        await using (var db = _kit.Db())
        {
            var team = new Team { Id = Guid.CreateVersion7(), Name = $"team-{Guid.NewGuid():N}"[..16] };
            db.Teams.Add(team);
            db.TeamMembers.Add(new TeamMember { TeamId = team.Id, UserId = member.UserId!, AddedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
            await db.Services.Where(s => s.Id == owned.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.TeamId, team.Id));
        }

        var releases = _kit.Get<DeployGuard.Data.Services.Releases.ReleaseService>();
        var outsiderRelease = await releases.CreateAsync(new DeployGuard.Data.Services.Releases.ReleaseInput { ServiceId = owned.Id, Version = "9.9.9" }, outsider);
        var release = await _kit.ReleaseAsync(owned.Id);
        var before = await DeploymentCountAsync();
        var outsiderStart = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = release, EnvironmentId = dev.Id }, outsider);
        Assert.Equal(before, await DeploymentCountAsync());
        var memberStart = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = release, EnvironmentId = dev.Id }, member);
        var outsiderCancel = await Deployments.CancelAsync(memberStart.Value!.DeploymentId, new CancelInput(), outsider);
        var unownedStart = await Deployments.StartAsync(
            new StartDeploymentInput { ReleaseId = await _kit.ReleaseAsync(unowned.Id), EnvironmentId = dev.Id }, outsider);

        Assert.Equal(ResultStatus.Forbidden, outsiderRelease.Status);
        Assert.Equal(TeamAccess.Denied, outsiderRelease.Message);
        Assert.Equal(ResultStatus.Forbidden, outsiderStart.Status);
        Assert.True(memberStart.Succeeded, memberStart.Message);
        Assert.Equal(ResultStatus.Forbidden, outsiderCancel.Status);
        Assert.False((await _kit.DeploymentAsync(memberStart.Value.DeploymentId)).IsFinished);
        Assert.True(unownedStart.Succeeded, unownedStart.Message);
        Assert.Equal(ResultStatus.Forbidden,
            (await Deployments.RollbackAsync(memberStart.Value.DeploymentId, new RollbackInput { Reason = "not mine" }, outsider)).Status);
    }

    [Fact]
    public async Task RollbackAsync_FailedFirstDeploymentHere_RefusedWithReasonAndChangesNothing()
    {
        var engineer = await _kit.UserAsync(Roles.Engineer);
        var dev = await _kit.EnvironmentAsync($"dev-{Guid.NewGuid():N}"[..12]);
        var service = await _kit.ServiceAsync();
        var other = await _kit.ReleaseAsync(service.Id, "0.9.0");
        var first = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, "1.0.0"), dev.Id, engineer);
        await using (var db = _kit.Db())
        {
            // The first deployment of the service here failed: nothing had succeeded in this environment before it.
            await db.Deployments.Where(d => d.Id == first).ExecuteUpdateAsync(u => u
                .SetProperty(d => d.Status, DeploymentStatus.Failed).SetProperty(d => d.CompletedAt, DateTimeOffset.UtcNow));
        }

        var before = await DeploymentCountAsync();

        var automatic = await Deployments.RollbackAsync(first, new RollbackInput { Reason = "smoke test failed" }, engineer);
        var chosen = await Deployments.RollbackAsync(first, new RollbackInput { Reason = "smoke test failed", TargetReleaseId = other }, engineer);

        Assert.All([automatic, chosen], r =>
        {
            Assert.Equal(ResultStatus.Invalid, r.Status);
            Assert.Equal($"Nothing to roll back to: this was the first deployment of {service.Name} to {dev.Name}. Deploy another release instead.", r.Message);
        });
        Assert.Equal(before, await DeploymentCountAsync());
        Assert.Equal(DeploymentStatus.Failed, (await _kit.DeploymentAsync(first)).Status);
        await using var check = _kit.Db();
        Assert.False(await check.Rollbacks.AnyAsync(r => r.DeploymentId == first));
        Assert.False(await check.BlockedReleases.AnyAsync(b => b.EnvironmentId == dev.Id));
    }

    [Fact]
    public async Task StartAsync_PromotionOutOfOrder_RefusedForEngineer_AdminOverrideIsAudited()
    {
        var engineer = await _kit.UserAsync(Roles.Engineer);
        var admin = await _kit.UserAsync(Roles.Admin);
        var (_, staging, _) = await _kit.EnvironmentsAsync();
        var release = await _kit.ReleaseAsync((await _kit.ServiceAsync()).Id);
        var before = await DeploymentCountAsync();

        var refused = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = release, EnvironmentId = staging.Id }, engineer);
        var adminWithoutReason = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = release, EnvironmentId = staging.Id }, admin);
        Assert.Equal(before, await DeploymentCountAsync());
        var overridden = await Deployments.StartAsync(
            new StartDeploymentInput { ReleaseId = release, EnvironmentId = staging.Id, OverrideReason = "hotfix for incident 42" }, admin);

        Assert.Contains("has not succeeded in dev-", refused.Errors[nameof(StartDeploymentInput.EnvironmentId)][0]);
        Assert.Contains("Only an admin", refused.Errors[nameof(StartDeploymentInput.EnvironmentId)][0]);
        Assert.Contains("override reason", adminWithoutReason.Errors[nameof(StartDeploymentInput.EnvironmentId)][0]);
        Assert.True(overridden.Succeeded);
        var audit = await _kit.AuditAsync(overridden.Value!.DeploymentId.ToString());
        Assert.Contains(audit, a => a.Action == "deployment.promotion_overridden" && a.Details.Contains("hotfix for incident 42") && a.UserId == admin.UserId);
        Assert.Contains(audit, a => a.Action == "deployment.queued");
    }

    [Fact]
    public async Task StartAsync_DuringFreezeWindow_RefusedUnlessAdminOverrides()
    {
        var engineer = await _kit.UserAsync(Roles.Engineer);
        var admin = await _kit.UserAsync(Roles.Admin);
        var environment = await _kit.EnvironmentAsync("frozen");
        var release = await _kit.ReleaseAsync((await _kit.ServiceAsync()).Id);
        var window = await _kit.Get<EnvironmentProtectionService>().AddFreezeWindowAsync(environment.Id, new FreezeWindowInput
        {
            StartsAt = DateTimeOffset.UtcNow.AddMinutes(-5), EndsAt = DateTimeOffset.UtcNow.AddHours(2), Reason = "Black Friday",
        }, admin);
        Assert.True(window.Succeeded);

        var refused = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = release, EnvironmentId = environment.Id }, engineer);
        var overridden = await Deployments.StartAsync(
            new StartDeploymentInput { ReleaseId = release, EnvironmentId = environment.Id, OverrideReason = "security patch" }, admin);

        Assert.Contains("frozen until", refused.Errors[nameof(StartDeploymentInput.EnvironmentId)][0]);
        Assert.Contains("Black Friday", refused.Message);
        Assert.True(overridden.Succeeded);
        Assert.Contains(await _kit.AuditAsync(overridden.Value!.DeploymentId.ToString()), a => a.Action == "deployment.freeze_overridden");
    }

    [Fact]
    public async Task StartAsync_BranchNotAllowed_IsRefusedEvenForAdmins()
    {
        var environment = await _kit.EnvironmentAsync("branches", edit: e => e.AllowedBranches = "main, release/*");
        var service = await _kit.ServiceAsync();
        var feature = await _kit.ReleaseAsync(service.Id, "1.0.0", branch: "feature/x");
        var releaseBranch = await _kit.ReleaseAsync(service.Id, "1.0.1", branch: "release/1.0");
        var admin = await _kit.UserAsync(Roles.Admin);

        var refused = await Deployments.StartAsync(
            new StartDeploymentInput { ReleaseId = feature, EnvironmentId = environment.Id, OverrideReason = "please" }, admin);
        var allowed = await Deployments.StartAsync(new StartDeploymentInput { ReleaseId = releaseBranch, EnvironmentId = environment.Id }, admin);

        Assert.Contains("only accepts main, release/*", refused.Errors[nameof(StartDeploymentInput.ReleaseId)][0]);
        Assert.True(allowed.Succeeded);
    }

    [Fact]
    public async Task StartAsync_ProtectedEnvironment_GetsAnApprovalStageEvenIfThePipelineHasNone()
    {
        var environment = await _kit.EnvironmentAsync("prot", approvals: 2);
        var service = await _kit.ServiceAsync("stages:\n  - name: deploy\n    kind: command\n    run: echo hi");
        var release = await _kit.ReleaseAsync(service.Id);

        var id = await _kit.StartAsync(release, environment.Id);

        var deployment = await _kit.DeploymentAsync(id);
        Assert.Equal(["approval", "deploy"], deployment.Stages.OrderBy(s => s.Position).Select(s => s.Name));
        Assert.Equal(DeploymentStatus.Queued, deployment.Status);
    }
}
