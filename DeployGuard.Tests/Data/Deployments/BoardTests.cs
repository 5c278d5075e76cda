using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Tests.Data.Deployments;

/// <summary>The services × environments board: the newest deployment of each cell and the version live there.</summary>
public sealed class BoardTests : IAsyncLifetime
{
    private DeploymentTestKit _kit = default!;

    public async Task InitializeAsync() => _kit = await DeploymentTestKit.CreateAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task BoardAsync_FailedAfterSucceededAndDeletedNewest_ShowsNewestKeptAndLastGoodAsLive()
    {
        var dev = await _kit.EnvironmentAsync("dev", 10);
        var prod = await _kit.EnvironmentAsync("prod", 20);
        var service = await _kit.ServiceAsync();
        var idle = await _kit.ServiceAsync();
        var good = await _kit.ReleaseAsync(service.Id, "1.0.0");
        var bad = await _kit.ReleaseAsync(service.Id, "1.1.0");
        var hidden = await _kit.ReleaseAsync(service.Id, "1.2.0");
        var now = DateTimeOffset.UtcNow;
        async Task<Guid> At(Guid release, DeploymentStatus status, int minutesAgo, bool deleted = false)
        {
            var id = await _kit.StartAsync(release, dev.Id);
            await using var db = _kit.Db();
            await db.Deployments.Where(d => d.Id == id).ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, status)
                .SetProperty(d => d.CreatedAt, now.AddMinutes(-minutesAgo)).SetProperty(d => d.CompletedAt, now.AddMinutes(-minutesAgo + 1))
                .SetProperty(d => d.IsDeleted, deleted));
            return id;
        }

        var first = await At(good, DeploymentStatus.Succeeded, 30);
        var failed = await At(bad, DeploymentStatus.Failed, 20);
        await At(hidden, DeploymentStatus.Succeeded, 10, deleted: true);

        var board = await _kit.Get<DeploymentQueries>().BoardAsync();

        Assert.Equal([dev.Id, prod.Id], board.Environments.Select(e => e.Id));
        var row = board.Rows.Single(r => r.ServiceId == service.Id);
        var cell = row.Cells[dev.Id];
        Assert.Equal((failed, "1.1.0", DeploymentStatus.Failed), (cell.DeploymentId, cell.Version, cell.Status));
        Assert.Equal(("1.0.0", first), (cell.LiveVersion, cell.LiveDeploymentId));
        Assert.False(row.Cells.ContainsKey(prod.Id));
        Assert.Empty(board.Rows.Single(r => r.ServiceId == idle.Id).Cells);
    }
}
