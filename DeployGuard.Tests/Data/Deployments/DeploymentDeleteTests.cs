using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Deployments;

/// <summary>Soft delete (seed 04): admins hide finished deployments from lists; the rows and the audit trail stay.</summary>
public sealed class DeploymentDeleteTests : IAsyncLifetime
{
    private DeploymentTestKit _kit = default!;

    public async Task InitializeAsync() => _kit = await DeploymentTestKit.CreateAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private DeploymentService Deployments => _kit.Get<DeploymentService>();

    private DeploymentQueries Queries => _kit.Get<DeploymentQueries>();

    [Fact]
    public async Task DeleteAsync_FinishedDeploymentByAdmin_HiddenFromListsKeptInDatabaseAndAudited()
    {
        var admin = await _kit.UserAsync(Roles.Admin);
        var dev = await _kit.EnvironmentAsync("dev");
        var release = await _kit.ReleaseAsync((await _kit.ServiceAsync()).Id);
        var id = await _kit.StartAsync(release, dev.Id);
        Assert.True((await Deployments.CancelAsync(id, new CancelInput(), admin)).Succeeded);

        var result = await Deployments.DeleteAsync(id, admin);

        Assert.True(result.Succeeded, result.Message);
        Assert.Null(await Queries.GetAsync(id));
        Assert.DoesNotContain((await Queries.ListAsync(new DeploymentQuery())).Items, d => d.Id == id);
        var row = await _kit.DeploymentAsync(id);
        Assert.True(row.IsDeleted);
        Assert.NotNull(row.DeletedAt);
        Assert.Contains(await _kit.AuditAsync(id.ToString()), a => a.Action == "deployment.deleted" && a.UserId == admin.UserId);
        Assert.Equal(ResultStatus.NotFound, (await Deployments.DeleteAsync(id, admin)).Status);
    }

    [Fact]
    public async Task DeleteAsync_ByEngineerOrWhileQueuedOrUnknown_RefusedAndChangesNothing()
    {
        var admin = await _kit.UserAsync(Roles.Admin);
        var engineer = await _kit.UserAsync(Roles.Engineer);
        var dev = await _kit.EnvironmentAsync("dev");
        var release = await _kit.ReleaseAsync((await _kit.ServiceAsync()).Id);
        var id = await _kit.StartAsync(release, dev.Id);

        var whileQueued = await Deployments.DeleteAsync(id, admin);
        Assert.True((await Deployments.CancelAsync(id, new CancelInput(), admin)).Succeeded);
        var byEngineer = await Deployments.DeleteAsync(id, engineer);
        var unknown = await Deployments.DeleteAsync(Guid.NewGuid(), admin);

        Assert.Equal(ResultStatus.Invalid, whileQueued.Status);
        Assert.Contains("cancel it first", whileQueued.Message);
        Assert.Equal(ResultStatus.Forbidden, byEngineer.Status);
        Assert.Equal(ResultStatus.NotFound, unknown.Status);
        Assert.False((await _kit.DeploymentAsync(id)).IsDeleted);
        Assert.DoesNotContain(await _kit.AuditAsync(id.ToString()), a => a.Action == "deployment.deleted");
    }
}
