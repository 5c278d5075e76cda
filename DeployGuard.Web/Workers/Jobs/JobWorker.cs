using System.Collections.Concurrent;
using System.Diagnostics;
using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Telemetry;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Workers.Jobs;

/// <summary>What every job worker gets from the container.</summary>
internal sealed record JobWorkerServices(JobQueue Queue, EventBus Bus, IOptionsMonitor<JobsOptions> Options, TimeProvider Clock, ILoggerFactory Loggers);

/// <summary>A worker as the host and the tools see it, whatever its kind.</summary>
internal interface IJobWorker : IHostedService
{
    string Kind { get; }

    /// <summary>This worker's id in <c>jobs.claimed_by</c>.</summary>
    string Owner { get; }

    int RunningCount { get; }
}

/// <summary>How a job's run ended when it did not throw.</summary>
internal enum JobResult
{
    /// <summary>The work recorded its own end (its completion ended the job in the same transaction), or found it was no longer its own.</summary>
    Recorded,
    /// <summary>Nothing else to record: mark the job succeeded.</summary>
    Succeeded,
}

/// <summary>One claimed job being worked on.</summary>
internal sealed class JobRun<TWork>(JobClaim<TWork> claim, CancellationTokenSource stop) where TWork : class
{
    public JobClaim<TWork> Claim => claim;

    public TWork Work => claim.Work!;

    /// <summary>Cancelled when the claim was lost (the heartbeat was refused), when <see cref="Stop"/> is called, and at shutdown.</summary>
    public CancellationToken Token => stop.Token;

    /// <summary>The queue refused a heartbeat: the job was recovered or ended by someone else, and nothing of this run may be recorded.</summary>
    public bool ClaimLost { get; private set; }

    internal Task Task { get; set; } = Task.CompletedTask;

    internal void LoseClaim()
    {
        ClaimLost = true;
        Stop();
    }

    /// <summary>Stops the work (a person cancelled what it works on).</summary>
    public void Stop()
    {
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }
}

/// <summary>
/// The one worker base (docs/decisions/0013): claims jobs of one kind, up to the kind's concurrency on this instance;
/// heartbeats each from the moment of its claim until it ends (a clone or any other preparation counts as work); runs
/// it; and ends it — succeeded, or through the queue's one failure path (<see cref="JobQueue.FailAsync"/>, which retries
/// or fails per the kind's policy). Wakes when jobs of its kind are queued (the jobs topic), polls otherwise, and sweeps
/// its kind's jobs whose worker stopped heartbeating.
/// </summary>
internal abstract class JobWorker<TWork>(JobWorkerServices services, JobKind<TWork> kind) : BackgroundService, IJobWorker where TWork : class
{
    // At most one pending wake-up; a timed-out wait consumes nothing, so no signal is lost to an abandoned read.
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<Guid, JobRun<TWork>> _running = new();
    private CancellationToken _stopping;

    protected ILogger Logger { get; } = services.Loggers.CreateLogger($"DeployGuard.Web.Workers.Jobs.{kind.Name}Worker");

    protected JobQueue Queue => services.Queue;

    protected TimeProvider Clock => services.Clock;

    protected JobsOptions Settings => services.Options.CurrentValue;

    public string Kind => kind.Name;

    public string Owner { get; } = JobOwner.NewId();

    public int RunningCount => _running.Count;

    /// <summary>The instance is shutting down.</summary>
    protected bool Stopping => _stopping.IsCancellationRequested;

    /// <summary>Does the job. Throw to fail it (the message reaches people through <see cref="FailureMessage"/>).</summary>
    protected abstract Task<JobResult> RunAsync(JobRun<TWork> run, CancellationToken ct);

    /// <summary>What people are told when <see cref="RunAsync"/> threw.</summary>
    protected virtual string FailureMessage(Exception ex) => ex.Message;

    /// <summary>What people are told when the instance shut down while the job ran.</summary>
    protected virtual string ShutdownMessage => "The DeployGuard instance working on this job shut down.";

    /// <summary>After the sweep ended a job of this kind whose worker was gone (e.g. kill what that worker left running).</summary>
    protected virtual void OnSwept(SweptJob job)
    {
    }

    /// <summary>The trace span of one run; kinds put their runs into a bigger trace (a deployment's).</summary>
    protected virtual Activity? StartActivity(JobClaim<TWork> claim) =>
        DeployGuardTelemetry.Activities.StartActivity($"job {Kind}", ActivityKind.Internal)?
            .SetTag("job.id", claim.JobId).SetTag("job.kind", Kind).SetTag("job.attempt", claim.Attempt);

    /// <summary>Runs the loop until <paramref name="stoppingToken"/> fires; then waits for the jobs in hand to end.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        var settings = services.Options.CurrentValue;
        var policy = services.Queue.PolicyFor(kind);
        if (!settings.Enabled || policy.Concurrency == 0)
        {
            Logger.LogInformation("{Kind} jobs are not worked on this instance ({Why})", Kind,
                settings.Enabled ? $"Jobs:Kinds:{Kind}:Concurrency=0" : "Jobs:Enabled=false");
            return;
        }

        Logger.LogInformation("{Kind} worker {Owner} started ({Concurrency} at once)", Kind, Owner, policy.Concurrency);
        using var subscription = services.Bus.Subscribe(Topics.Jobs, null, e =>
        {
            if (e.Kind == Kind)
            {
                Wake();
            }
        }, Wake);
        var poll = TimeSpan.FromMilliseconds(settings.PollIntervalMilliseconds);
        var sweepEvery = TimeSpan.FromSeconds(settings.SweepIntervalSeconds);
        var nextSweep = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (Clock.GetUtcNow() >= nextSweep)
                {
                    // The first pass at start-up recovers what a crashed predecessor on this host left running.
                    foreach (var swept in await services.Queue.SweepAsync(kind, ct: stoppingToken))
                    {
                        OnSwept(swept);
                    }

                    nextSweep = Clock.GetUtcNow() + sweepEvery;
                }

                // One claim to see whether there is work; when there is, the other free slots claim at once, side by side
                // (kinds whose claim step does everything free their slot as the claim commits).
                while (_running.Count < policy.Concurrency && await services.Queue.ClaimAsync(kind, Owner, stoppingToken) is { } claim)
                {
                    Take(claim, stoppingToken);
                    var free = policy.Concurrency - _running.Count;
                    if (free > 0)
                    {
                        foreach (var more in await Task.WhenAll(Enumerable.Range(0, free).Select(_ => services.Queue.ClaimAsync(kind, Owner, stoppingToken))))
                        {
                            if (more is not null)
                            {
                                Take(more, stoppingToken);
                            }
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database may be restarting; keep the loop alive and try again on the next tick.
                Logger.LogError(ex, "{Kind} worker loop failed; retrying", Kind);
            }

            try
            {
                await _wake.WaitAsync(poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(_running.Values.Select(r => r.Task));
    }

    protected void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
    }

    /// <summary>The jobs of this worker now running, for kinds that stop them on an event (a cancelled deployment).</summary>
    protected IEnumerable<JobRun<TWork>> Running => _running.Values;

    private void Take(JobClaim<TWork> claim, CancellationToken stoppingToken)
    {
        if (claim.Work is not null)
        {
            Start(claim, stoppingToken);
        }
    }

    private void Start(JobClaim<TWork> claim, CancellationToken stoppingToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var run = new JobRun<TWork>(claim, stop);
        _running[claim.JobId] = run;
        run.Task = Task.Run(async () =>
        {
            try
            {
                await WorkAsync(run, stoppingToken);
            }
            finally
            {
                _running.TryRemove(claim.JobId, out _);
                stop.Dispose();
                Wake();
            }
        }, CancellationToken.None);
    }

    private async Task WorkAsync(JobRun<TWork> run, CancellationToken stoppingToken)
    {
        using var activity = StartActivity(run.Claim);
        using var heartbeatStop = new CancellationTokenSource();
        // From the claim on: whatever the run does first (a clone, a checkout), its job must not look abandoned.
        var heartbeat = HeartbeatAsync(run, heartbeatStop.Token);
        string? failure = null;
        try
        {
            if (await RunAsync(run, run.Token) == JobResult.Succeeded)
            {
                await services.Queue.CompleteAsync(run.Claim.JobId, Owner, CancellationToken.None);
            }
        }
        catch (Exception ex) when (run.ClaimLost || ex is JobClaimLostException)
        {
            Logger.LogInformation("{Kind} job {JobId} is no longer ours (recovered or ended elsewhere); its work was dropped", Kind, run.Claim.JobId);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            failure = ShutdownMessage;
        }
        catch (Exception ex)
        {
            Logger.LogWarning(ex, "{Kind} job {JobId} failed", Kind, run.Claim.JobId);
            failure = FailureMessage(ex);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        if (failure is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, failure);
            try
            {
                // The one catch-and-fail path: retried or failed per the kind's policy, the subject told in the same transaction.
                await services.Queue.FailAsync(kind, run.Claim.JobId, Owner, failure, ct: CancellationToken.None);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The sweep of this or another instance ends it once the heartbeat is stale.
                Logger.LogError(ex, "Recording the failure of {Kind} job {JobId} failed", Kind, run.Claim.JobId);
            }
        }
    }

    private async Task HeartbeatAsync(JobRun<TWork> run, CancellationToken stop)
    {
        var interval = TimeSpan.FromSeconds(services.Options.CurrentValue.HeartbeatSeconds);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, Clock, stop);
                if (!await services.Queue.HeartbeatAsync(run.Claim.JobId, Owner, stop))
                {
                    // Cancelled by someone, or taken over by the sweep: stop working on it.
                    run.LoseClaim();
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                Logger.LogWarning(ex, "Heartbeat of {Kind} job {JobId} failed", Kind, run.Claim.JobId);
            }
        }
    }
}

/// <summary>A worker for kinds whose claim step does all the work (starting deployments, timers, the cleanup): it only claims.</summary>
internal sealed class ClaimStepWorker(JobWorkerServices services, JobKind<NoWork> kind) : JobWorker<NoWork>(services, kind)
{
    protected override Task<JobResult> RunAsync(JobRun<NoWork> run, CancellationToken ct) =>
        throw new InvalidOperationException($"{Kind} jobs are done by their claim step.");
}
