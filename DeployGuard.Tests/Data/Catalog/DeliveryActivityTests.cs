using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Tests.Data.Catalog;

/// <summary>The dashboard's delivery figures: deployments per UTC day by outcome, success rate, approvals waiting, open findings.</summary>
public sealed class DeliveryActivityTests : IAsyncLifetime
{
    private DeploymentTestKit _kit = default!;

    public async Task InitializeAsync() => _kit = await DeploymentTestKit.CreateAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task ActivityAsync_EmptyDatabase_ZeroesForEveryDayAndNoRate()
    {
        var activity = await _kit.Get<DeliveryActivityQueries>().ActivityAsync(14);

        Assert.Equal(14, activity.Days.Count);
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow), activity.Days[^1].Day);
        Assert.All(activity.Days, d => Assert.Equal(0, d.Succeeded + d.Failed + d.Other));
        Assert.Null(activity.SuccessRate);
        Assert.Equal(0, activity.PendingApprovals);
        Assert.Equal(0, activity.OpenFindings);
    }

    [Fact]
    public async Task ActivityAsync_MixedDeployments_CountsByDayAndOutcomeSkippingDeletedAndOldOnes()
    {
        var dev = await _kit.EnvironmentAsync("dev");
        var release = await _kit.ReleaseAsync((await _kit.ServiceAsync()).Id);
        var now = DateTimeOffset.UtcNow;
        // (status, age in days, deleted)
        var specs = new (DeploymentStatus Status, int Age, bool Deleted)[]
        {
            (DeploymentStatus.Succeeded, 0, false), (DeploymentStatus.Succeeded, 0, false), (DeploymentStatus.Failed, 0, false),
            (DeploymentStatus.Rejected, 3, false), (DeploymentStatus.Cancelled, 3, false), (DeploymentStatus.Running, 0, false),
            (DeploymentStatus.Succeeded, 3, true), (DeploymentStatus.Failed, 20, false),
        };
        foreach (var spec in specs)
        {
            var id = await _kit.StartAsync(release, dev.Id);
            await using var db = _kit.Db();
            await db.Deployments.Where(d => d.Id == id).ExecuteUpdateAsync(u => u
                .SetProperty(d => d.Status, spec.Status).SetProperty(d => d.CreatedAt, now.AddDays(-spec.Age)).SetProperty(d => d.IsDeleted, spec.Deleted));
        }

        var activity = await _kit.Get<DeliveryActivityQueries>().ActivityAsync(14);

        var today = activity.Days[^1];
        Assert.Equal((2, 1, 1), (today.Succeeded, today.Failed, today.Other));
        var threeDaysAgo = activity.Days.Single(d => d.Day == DateOnly.FromDateTime(now.AddDays(-3).UtcDateTime));
        Assert.Equal((0, 1, 1), (threeDaysAgo.Succeeded, threeDaysAgo.Failed, threeDaysAgo.Other));
        Assert.Equal(6, activity.Deployments);
        Assert.Equal(1, activity.Running);
        Assert.Equal(5, activity.Finished);
        Assert.Equal(0.4, activity.SuccessRate!.Value, 3);
    }
}
