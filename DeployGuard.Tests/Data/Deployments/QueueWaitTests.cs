using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Deployments;

/// <summary>Issue 9: a queued deployment says what it waits for, by the engine's own rule (one at a time per service and environment).</summary>
public sealed class QueueWaitTests : IAsyncLifetime
{
    private const string Pipeline = "stages:\n  - name: qa\n    kind: external\n    timeout: 3600\n";

    private DeploymentTestKit _kit = default!;

    public async Task InitializeAsync() => _kit = await DeploymentTestKit.CreateAsync(runner: true);

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private DeploymentQueries Queries => _kit.Get<DeploymentQueries>();

    [Fact]
    public async Task GetAsync_QueuedBehindRunningDeployment_NamesItAndWhatItWaitsFor()
    {
        var environment = await _kit.EnvironmentAsync("qw-" + Guid.NewGuid().ToString("N")[..6]);
        var service = await _kit.ServiceAsync(Pipeline);
        var first = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, "1.0.0"), environment.Id);
        await _kit.WaitForStageAsync(first, "qa", StageStatus.Running);

        var second = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, "1.1.0"), environment.Id);
        var third = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, "1.2.0"), environment.Id);

        var detail = await Queries.GetAsync(second);
        Assert.Equal(DeploymentStatus.Queued, detail!.Deployment.Status);
        Assert.Equal(first, detail.WaitingFor!.DeploymentId);
        Assert.Equal($"Waiting for {service.Name} 1.0.0 in {environment.Name}, which waits for an external report on its stage 'qa'.",
            detail.WaitingFor.Reason);
        Assert.Equal($"Waiting for {service.Name} 1.0.0 in {environment.Name}, which waits for an external report on its stage 'qa'. " +
                     "1 more deployment is queued before this one.", (await Queries.QueueWaitAsync(third))!.Reason);
    }

    [Fact]
    public async Task QueueWaitAsync_RunningOrUnknownDeployment_IsNull()
    {
        var environment = await _kit.EnvironmentAsync("qw-" + Guid.NewGuid().ToString("N")[..6]);
        var service = await _kit.ServiceAsync(Pipeline);
        var running = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id), environment.Id);
        await _kit.WaitForStageAsync(running, "qa", StageStatus.Running);

        Assert.Null(await Queries.QueueWaitAsync(running));
        Assert.Null((await Queries.GetAsync(running))!.WaitingFor);
        Assert.Null(await Queries.QueueWaitAsync(Guid.NewGuid()));
    }

    [Theory]
    [InlineData(DeploymentStatus.Running, StageKind.Approval, StageStatus.Running, 0, "which waits for approval.")]
    [InlineData(DeploymentStatus.Running, StageKind.Command, StageStatus.Running, 0, "which is running its stage 'deploy'.")]
    [InlineData(DeploymentStatus.Queued, null, null, 1, "which is next in line.")]
    [InlineData(DeploymentStatus.Queued, null, null, 3, "which is next in line. 2 more deployments are queued before this one.")]
    public void Reason_AheadInEachState_SaysWhatItWaitsFor(DeploymentStatus status, StageKind? kind, StageStatus? stage, int queuedAhead, string end)
    {
        var wait = new QueueWait(Guid.NewGuid(), "payment-api", "1.1.0", "Production", status, kind is null ? null : "deploy", kind, stage, null, queuedAhead);

        Assert.Equal("Waiting for payment-api 1.1.0 in Production, " + end, wait.Reason);
    }
}
