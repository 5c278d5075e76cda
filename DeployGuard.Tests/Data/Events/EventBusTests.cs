using System.Collections.Concurrent;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Events;

/// <summary>The one bus across two instances (two service containers with their own listener) on one database.</summary>
public sealed class EventBusTests : IAsyncLifetime
{
    private DeploymentTestKit _a = default!;
    private DeploymentTestKit _b = default!;

    public async Task InitializeAsync()
    {
        _a = await DeploymentTestKit.CreateAsync(listen: true);
        _b = await DeploymentTestKit.CreateAsync(_a.ConnectionString, listen: true);
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    private static async Task<T> WithinAsync<T>(TaskCompletionSource<T> source) => await source.Task.WaitAsync(TimeSpan.FromSeconds(15));

    [Fact]
    public async Task PublishAsync_ScanProgressOnA_ReachesBsSubscriberOfThatScanOnly()
    {
        var watched = Guid.NewGuid();
        var other = Guid.NewGuid();
        var received = new ConcurrentQueue<ScanEvent>();
        var arrived = new TaskCompletionSource<ScanEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var all = new ConcurrentQueue<ScanEvent>();
        var bus = _b.Get<EventBus>();
        using var one = bus.Subscribe(Topics.Scans, watched, e =>
        {
            received.Enqueue(e);
            if (e.Kind == ScanEventKind.Completed)
            {
                arrived.TrySetResult(e);
            }
        });
        using var every = bus.Subscribe(Topics.Scans, null, all.Enqueue);
        using var otherTopic = bus.Subscribe(Topics.Cleanings, null, _ => Assert.Fail("a scan event reached a cleanings subscriber"));

        await _a.Get<EventBus>().PublishAsync(Topics.Scans, new ScanEvent(ScanEventKind.Progress, other) { CommitsDone = 1 });
        await _a.Get<EventBus>().PublishAsync(Topics.Scans, new ScanEvent(ScanEventKind.Progress, watched) { CommitsDone = 5, CommitsTotal = 10, BytesScanned = 4096 });
        await _a.Get<EventBus>().PublishAsync(Topics.Scans, new ScanEvent(ScanEventKind.Completed, watched) { Status = ScanStatus.Completed, TotalSecretsFound = 3 });

        var completed = await WithinAsync(arrived);
        Assert.Equal(3, completed.TotalSecretsFound);
        Assert.Equal(_a.Get<EventBus>().InstanceId, completed.Origin);
        Assert.NotEqual(default, completed.At);
        Assert.Equal([ScanEventKind.Progress, ScanEventKind.Completed], received.Select(e => e.Kind));
        Assert.Equal((5, 10, 4096L), (received.First().CommitsDone, received.First().CommitsTotal, received.First().BytesScanned));
        Assert.Contains(all, e => e.ScanId == other);
    }

    [Fact]
    public async Task PublishAsync_EventTooLargeForNotify_TellsBsSubscribersOfThatEntityToReload()
    {
        var deployment = Guid.NewGuid();
        var resynced = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = _b.Get<DeploymentEventBus>().Subscribe(deployment, e =>
        {
            if (e.Kind == DeploymentEventKind.Resync)
            {
                resynced.TrySetResult(true);
            }
            else
            {
                resynced.TrySetException(new InvalidOperationException($"got {e.Kind} instead of a resync"));
            }
        });

        await _a.Get<DeploymentEventBus>().PublishAsync(new DeploymentEvent(DeploymentEventKind.DeploymentFinished, deployment)
        {
            Message = new string('x', 9000),
        });

        Assert.True(await WithinAsync(resynced));
    }

    [Fact]
    public async Task Enqueue_OnA_WakesBsWorkersOfThatKindAtCommit()
    {
        var kind = $"TestWake{Guid.NewGuid():N}"[..20];
        var woken = new TaskCompletionSource<JobEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = _b.Get<EventBus>().Subscribe(Topics.Jobs, null, e =>
        {
            if (e.Kind == kind)
            {
                woken.TrySetResult(e);
            }
        });

        await using (var db = _a.Db())
        {
            JobQueue.Enqueue(db, kind, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }

        Assert.Equal(kind, (await WithinAsync(woken)).Kind);
    }
}

/// <summary>A deployment page patched from events, without the database.</summary>
public sealed class DeploymentDetailUpdatesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly Guid Id = Guid.NewGuid();

    private static DeploymentDetail Detail(params StageRow[] stages) => new(
        new DeploymentRow(Id, Guid.NewGuid(), "api", Guid.NewGuid(), "1.0.0", Guid.NewGuid(), "prod", DeploymentStatus.Running, DeploymentStrategy.Rolling,
            DeploymentTrigger.Manual, "eve", Now, Now, null, null),
        null, null, null, "abc", "main", null, null, null, false, 1, null, stages, [], [], [], [], null, null);

    private static StageRow Stage(string name, int position, StageStatus status) =>
        new(Guid.NewGuid(), name, StageKind.Command, position, status, null, null, null, null, null, null, null, null);

    [Fact]
    public void Apply_StageAndFinishEvents_PatchTimelineStateAndMetrics()
    {
        var build = Stage("build", 0, StageStatus.Running);
        var detail = Detail(build, Stage("test", 1, StageStatus.Pending));
        var ended = build with { Status = StageStatus.Failed, CompletedAt = Now.AddSeconds(3), DurationMs = 3000, ExitCode = 2, Error = "exit 2" };
        var metric = new MetricRow("stage.build.duration", 3, "s", Now.AddSeconds(3));

        var afterStage = detail.Apply(new DeploymentEvent(DeploymentEventKind.StageChanged, Id) { Stage = ended, Metrics = [metric] })!;
        var afterFinish = afterStage.Apply(new DeploymentEvent(DeploymentEventKind.DeploymentFinished, Id)
        {
            Deployment = new DeploymentState(DeploymentStatus.Failed, "Stage 'build' failed: exit 2", Now, Now.AddSeconds(3), 3, null, null, null),
            Metrics = [metric with { Name = "deployment.duration" }],
        })!;
        var again = afterFinish.Apply(new DeploymentEvent(DeploymentEventKind.StageChanged, Id) { Stage = ended, Metrics = [metric] })!;

        Assert.Equal(ended, afterStage.Stages[0]);
        Assert.Equal(StageStatus.Pending, afterStage.Stages[1].Status);
        Assert.Equal(DeploymentStatus.Failed, afterFinish.Deployment.Status);
        Assert.Equal("Stage 'build' failed: exit 2", afterFinish.StatusReason);
        Assert.Equal(3, afterFinish.Deployment.DurationSeconds);
        Assert.Equal(["stage.build.duration", "deployment.duration"], again.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void Apply_EventWithoutItsPayloadOrARollback_AsksForAReload()
    {
        var detail = Detail(Stage("build", 0, StageStatus.Running));

        Assert.Null(detail.Apply(new DeploymentEvent(DeploymentEventKind.StageChanged, Id) { Status = "Succeeded" }));
        Assert.Null(detail.Apply(new DeploymentEvent(DeploymentEventKind.DeploymentChanged, Id)
        {
            Deployment = new DeploymentState(DeploymentStatus.RolledBack, "Rolled back", Now, Now, 1, null, null, null),
        }));
        Assert.Same(detail, detail.Apply(new DeploymentEvent(DeploymentEventKind.StageChanged, Guid.NewGuid()) { Stage = detail.Stages[0] }));
    }
}
