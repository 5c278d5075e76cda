using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Tests.Data.Jobs;

/// <summary>A kind for these tests: its claim step hands the job's payload to the worker, its failure step records what it was told.</summary>
public sealed class RecordingKind(string name, JobKindPolicy? defaults = null) : JobKind<string>
{
    public override string Name => name;

    public override JobKindPolicy Defaults { get; } = defaults ?? JobKindPolicy.Standard;

    public List<JobFailure> Failures { get; } = [];

    public override Task<string?> ClaimAsync(JobTransaction tx, CancellationToken ct) => Task.FromResult<string?>(tx.Job.Payload ?? "work");

    public override Task FailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct)
    {
        lock (Failures)
        {
            Failures.Add(failure);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The queue's guards, sweep and retry policy against a real database: two owners, one job, every way it can end.</summary>
public sealed class JobQueueTests : IAsyncLifetime
{
    // Whole seconds: PostgreSQL keeps microseconds, and the back-off is compared exactly.
    private readonly TestClock _clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly RecordingKind _once = new("TestOnce", JobKindPolicy.Standard with { StaleAfterSeconds = 30 });
    private readonly RecordingKind _retried = new("TestRetried", JobKindPolicy.Standard with { StaleAfterSeconds = 5, MaxAttempts = 3, RetryDelaySeconds = 10 });
    private DeploymentTestKit _kit = default!;

    private JobQueue Queue => _kit.Get<JobQueue>();

    public async Task InitializeAsync() => _kit = await DeploymentTestKit.CreateAsync(services: s =>
    {
        s.AddSingleton<TimeProvider>(_clock);
        s.AddSingleton<IJobKind>(_once);
        s.AddSingleton<IJobKind>(_retried);
    });

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private async Task<Guid> EnqueueAsync(IJobKind kind, string? payload = null)
    {
        await using var db = _kit.Db();
        var job = JobQueue.Enqueue(db, kind.Name, _clock.GetUtcNow(), payload: payload is null ? null : $"\"{payload}\"");
        await db.SaveChangesAsync();
        return job.Id;
    }

    private async Task<Job> JobAsync(Guid id)
    {
        await using var db = _kit.Db();
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
    }

    [Fact]
    public async Task HeartbeatAsync_WorkerWhoseClaimWasRecoveredAndTakenOver_IsRefused()
    {
        var id = await EnqueueAsync(_retried);
        var first = await Queue.ClaimAsync(_retried, "host-a/1/aaaaaa");
        Assert.Equal(id, first!.JobId);
        // Worker A freezes (a long GC pause, a cut network): its heartbeat goes stale and the sweep re-queues the job.
        _clock.Advance(TimeSpan.FromSeconds(6));
        var swept = Assert.Single(await Queue.SweepAsync(_retried, _ => false));
        Assert.True(swept.Failure.Requeued);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var second = await Queue.ClaimAsync(_retried, "host-b/2/bbbbbb");

        var heartbeatA = await Queue.HeartbeatAsync(id, "host-a/1/aaaaaa");
        var completeA = await Queue.CompleteAsync(id, "host-a/1/aaaaaa");
        var failA = await Queue.FailAsync(_retried, id, "host-a/1/aaaaaa", "A woke up and failed");
        var heartbeatB = await Queue.HeartbeatAsync(id, "host-b/2/bbbbbb");

        Assert.Equal(id, second!.JobId);
        Assert.Equal(2, second.Attempt);
        Assert.False(heartbeatA);
        Assert.False(completeA);
        Assert.Null(failA);
        Assert.True(heartbeatB);
        var job = await JobAsync(id);
        Assert.Equal(JobStatus.Running, job.Status);
        Assert.Equal("host-b/2/bbbbbb", job.ClaimedBy);
        Assert.True(await Queue.CompleteAsync(id, "host-b/2/bbbbbb"));
        Assert.Equal(JobStatus.Succeeded, (await JobAsync(id)).Status);
    }

    [Fact]
    public async Task SweepAsync_FreshHeartbeat_LeavesTheJobRunning()
    {
        var id = await EnqueueAsync(_once);
        await Queue.ClaimAsync(_once, "host-a/1/aaaaaa");
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await Queue.HeartbeatAsync(id, "host-a/1/aaaaaa"));
        // 40 s since the claim, more than the stale period; 20 s since the last beat, less.
        _clock.Advance(TimeSpan.FromSeconds(20));

        var swept = await Queue.SweepAsync(_once, _ => false);

        Assert.Empty(swept);
        Assert.Equal(JobStatus.Running, (await JobAsync(id)).Status);
    }

    [Fact]
    public async Task SweepAsync_OwnerProcessGoneOnThisHost_RecoversBeforeTheStalePeriod()
    {
        var id = await EnqueueAsync(_once);
        await Queue.ClaimAsync(_once, "host-a/1/aaaaaa");
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await Queue.SweepAsync(_once, _ => true));
        _clock.Advance(JobQueue.DeadOwnerGrace);

        var swept = Assert.Single(await Queue.SweepAsync(_once, owner => owner == "host-a/1/aaaaaa"));

        Assert.True(swept.Failure.OwnerProcessGone);
        Assert.False(swept.Failure.Requeued);
        Assert.Contains("its process is gone", swept.Failure.Reason);
        var job = await JobAsync(id);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(swept.Failure.Reason, job.LastError);
        Assert.Equal(swept.Failure, Assert.Single(_once.Failures));
    }

    [Fact]
    public async Task FailAsync_AttemptsLeft_RequeuesWithGrowingBackOffThenFailsForGood()
    {
        var id = await EnqueueAsync(_retried);
        var owner = "host-a/1/aaaaaa";
        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var claim = await Queue.ClaimAsync(_retried, owner);
            Assert.Equal(attempt, claim!.Attempt);
            var failure = await Queue.FailAsync(_retried, id, owner, $"boom {attempt}");
            Assert.Equal(attempt < 3, failure!.Requeued);
            var job = await JobAsync(id);
            if (failure.Requeued)
            {
                delays.Add(job.RunAfter - _clock.GetUtcNow());
                // Not due before its back-off.
                Assert.Null(await Queue.ClaimAsync(_retried, owner));
                _clock.Advance(job.RunAfter - _clock.GetUtcNow());
            }
        }

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)], delays);
        var final = await JobAsync(id);
        Assert.Equal(JobStatus.Failed, final.Status);
        Assert.Equal("boom 3", final.LastError);
        Assert.Equal(3, final.Attempts);
        Assert.Equal([true, true, false], _retried.Failures.Select(f => f.Requeued));
    }

    [Fact]
    public async Task CompleteAndFail_AfterTheOtherEndedTheJob_ChangeNothing()
    {
        var completed = await EnqueueAsync(_once);
        await Queue.ClaimAsync(_once, "host-a/1/aaaaaa");
        Assert.True(await Queue.CompleteAsync(completed, "host-a/1/aaaaaa"));
        var failedAfter = await Queue.FailAsync(_once, completed, "host-a/1/aaaaaa", "too late");
        var failed = await EnqueueAsync(_once);
        await Queue.ClaimAsync(_once, "host-a/1/aaaaaa");
        Assert.NotNull(await Queue.FailAsync(_once, failed, "host-a/1/aaaaaa", "it broke"));
        var completedAfter = await Queue.CompleteAsync(failed, "host-a/1/aaaaaa");

        Assert.Null(failedAfter);
        Assert.False(completedAfter);
        Assert.Equal(JobStatus.Succeeded, (await JobAsync(completed)).Status);
        Assert.Equal((JobStatus.Failed, "it broke"), ((await JobAsync(failed)).Status, (await JobAsync(failed)).LastError));
    }

    [Fact]
    public async Task ClaimAsync_TwoOwnersAtOnce_EachJobGoesToOneOfThem()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add(await EnqueueAsync(_once, $"job {i}"));
        }

        async Task<List<Guid>> DrainAsync(string owner)
        {
            var mine = new List<Guid>();
            while (await Queue.ClaimAsync(_once, owner) is { } claim)
            {
                mine.Add(claim.JobId);
            }

            return mine;
        }

        var both = await Task.WhenAll(DrainAsync("host-a/1/aaaaaa"), DrainAsync("host-b/2/bbbbbb"));

        Assert.Equal(ids.Order(), both.SelectMany(b => b).Order());
        Assert.Empty(both[0].Intersect(both[1]));
    }

    [Fact]
    public async Task EnsureQueuedAsync_SameKey_QueuesOneJobUntilItEnds()
    {
        Assert.True(await Queue.EnsureQueuedAsync(_once.Name, "singleton", _clock.GetUtcNow()));
        Assert.False(await Queue.EnsureQueuedAsync(_once.Name, "singleton", _clock.GetUtcNow()));
        var claim = await Queue.ClaimAsync(_once, "host-a/1/aaaaaa");
        Assert.False(await Queue.EnsureQueuedAsync(_once.Name, "singleton", _clock.GetUtcNow()));
        await Queue.CompleteAsync(claim!.JobId, "host-a/1/aaaaaa");

        Assert.True(await Queue.EnsureQueuedAsync(_once.Name, "singleton", _clock.GetUtcNow()));
    }

    [Fact]
    public async Task CompleteScanAsync_AfterTheSweepFailedTheScan_IsRefusedAndTheFailureStands()
    {
        var scans = _kit.Get<ScanJobQueue>();
        var created = await _kit.Get<ScanJobService>().CreateAsync(
            new ScanJobInput { SourcePlatform = SourcePlatform.Local, SourceUrl = Path.GetTempPath() }, DeploymentTestKit.Admin);
        Assert.True(created.Succeeded, created.Message);
        var (claim, scan) = (await scans.ClaimScanAsync("host-a/1/aaaaaa"))!.Value;
        Assert.Equal(created.Value!.Id, scan.Id);
        _clock.Advance(TimeSpan.FromSeconds(121));
        Assert.Single(await Queue.SweepAsync(scans.Scans, _ => false));

        var completed = await scans.CompleteScanAsync(scan.Id, "host-a/1/aaaaaa", 10, 10);
        var added = await Record.ExceptionAsync(() => scans.AddFindingsAsync(scan.Id, "host-a/1/aaaaaa", [Finding()]));

        Assert.False(completed);
        Assert.IsType<JobClaimLostException>(added);
        var row = (await _kit.Get<ScanJobService>().GetAsync(scan.Id))!;
        Assert.Equal(ScanStatus.Failed, row.Status);
        Assert.Equal("The worker running this scan stopped (its instance went away). Start the scan again.", row.ErrorMessage);
        Assert.Equal(JobStatus.Failed, (await JobAsync(claim.JobId)).Status);
    }

    [Fact]
    public async Task FailAsync_OfACompletedScan_IsRefusedAndTheScanStaysCompleted()
    {
        var scans = _kit.Get<ScanJobQueue>();
        var created = await _kit.Get<ScanJobService>().CreateAsync(
            new ScanJobInput { SourcePlatform = SourcePlatform.Local, SourceUrl = Path.GetTempPath() }, DeploymentTestKit.Admin);
        var (claim, scan) = (await scans.ClaimScanAsync("host-a/1/aaaaaa"))!.Value;
        Assert.True(await scans.CompleteScanAsync(scan.Id, "host-a/1/aaaaaa", 3, 7));

        var failed = await Queue.FailAsync(scans.Scans, claim.JobId, "host-a/1/aaaaaa", "late failure");

        Assert.Null(failed);
        var row = (await _kit.Get<ScanJobService>().GetAsync(created.Value!.Id))!;
        Assert.Equal(ScanStatus.Completed, row.Status);
        Assert.Null(row.ErrorMessage);
    }

    private static SecretFinding Finding() => new()
    {
        Id = Guid.CreateVersion7(), RuleId = "test", SecretType = "generic", Severity = "high", SecretValueHash = new string('a', 64),
        RedactedPreview = "ab***", ValuePattern = "[alnum:8]", FilePath = "a.txt", Line = 1, Column = 1,
    };
}
