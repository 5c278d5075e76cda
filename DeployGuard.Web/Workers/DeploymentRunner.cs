using System.Collections.Concurrent;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Workers;

/// <summary>
/// The pipeline runner of this instance. It starts queued deployments, claims runnable stages (FOR UPDATE SKIP LOCKED,
/// so any number of instances share the work without running a stage twice), executes them with heartbeats, and
/// sweeps for overdue timers and stages abandoned by dead runners. Events wake it at once; otherwise it polls.
/// </summary>
internal sealed class DeploymentRunner(
    IOptions<RunnerOptions> options,
    DeploymentEngine engine,
    DeploymentEventBus bus,
    LogStore logs,
    CommandStage commands,
    HealthCheckStage healthChecks,
    SecurityGateStage securityGates,
    TimeProvider clock,
    ILogger<DeploymentRunner> logger) : BackgroundService
{
    // At most one pending wake-up; a timed-out wait consumes nothing, so no signal is lost to an abandoned read.
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<Guid, Running> _running = new();

    /// <summary>host/pid/random: the host and pid let a restarted instance on the same host see that the old process is gone.</summary>
    public string RunnerId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";

    public int RunningCount => _running.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            logger.LogInformation("The pipeline runner is disabled on this instance (Deployments:Runner:Enabled=false)");
            return;
        }

        logger.LogInformation("Pipeline runner {RunnerId} started ({Max} stages at once)", RunnerId, settings.MaxConcurrency);
        using var subscription = bus.Subscribe(null, OnEvent);
        var staleAfter = TimeSpan.FromSeconds(Math.Max(2, settings.StaleAfterSeconds));
        var poll = TimeSpan.FromMilliseconds(Math.Max(10, settings.PollIntervalMilliseconds));
        var nextSweep = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (clock.GetUtcNow() >= nextSweep)
                {
                    // First pass at startup: recovers what a crashed predecessor left running.
                    await SweepAsync(staleAfter, stoppingToken);
                    nextSweep = clock.GetUtcNow().AddSeconds(1);
                }

                await engine.StartQueuedAsync(stoppingToken);
                while (_running.Count < settings.MaxConcurrency && await engine.ClaimNextAsync(RunnerId, stoppingToken) is { } stage)
                {
                    Start(stage, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database may be restarting; keep the loop alive and try again on the next tick.
                logger.LogError(ex, "Runner loop failed; retrying");
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

    private async Task SweepAsync(TimeSpan staleAfter, CancellationToken ct)
    {
        var recovered = await engine.SweepAsync(staleAfter, IsDeadOnThisHost, ct);
        foreach (var stage in recovered)
        {
            // A crashed runner's command keeps running in its own session; on the same host we can still stop it.
            if (stage.ProcessId is { } group && stage.ClaimedBy is { } owner && IsDeadOnThisHost(owner))
            {
                if (ProcessGroup.Kill(group))
                {
                    logger.LogWarning("Killed process group {Group} left by dead runner {Runner}", group, owner);
                }
            }
        }
    }

    /// <summary>Whether a runner id names a process on this host that no longer exists.</summary>
    private static bool IsDeadOnThisHost(string runnerId)
    {
        var parts = runnerId.Split('/');
        return parts.Length == 3 && parts[0] == Environment.MachineName && int.TryParse(parts[1], out var pid) &&
               pid != Environment.ProcessId && !ProcessGroup.ProcessAlive(pid);
    }

    private void OnEvent(DeploymentEvent e)
    {
        if (e.Kind == DeploymentEventKind.CancelRequested)
        {
            foreach (var running in _running.Values.Where(r => r.DeploymentId == e.DeploymentId))
            {
                running.Stop();
            }
        }

        if (e.Kind is DeploymentEventKind.DeploymentChanged or DeploymentEventKind.StageChanged or DeploymentEventKind.DeploymentFinished)
        {
            Wake();
        }
    }

    private void Wake()
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

    private void Start(ClaimedStage stage, CancellationToken stoppingToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var running = new Running(stage.DeploymentId, stop);
        _running[stage.StageId] = running;
        running.Task = Task.Run(async () =>
        {
            try
            {
                await RunAsync(stage, running, stoppingToken);
            }
            finally
            {
                _running.TryRemove(stage.StageId, out _);
                stop.Dispose();
                Wake();
            }
        }, CancellationToken.None);
    }

    private async Task RunAsync(ClaimedStage stage, Running running, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var processId = (int?)null;
        await using var log = new StageLogWriter(stage.DeploymentId, stage.StageId, logs, bus, clock, settings, logger);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = Task.Run(async () =>
        {
            var interval = TimeSpan.FromSeconds(Math.Max(1, settings.HeartbeatSeconds));
            while (!heartbeatStop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(interval, clock, heartbeatStop.Token);
                    if (!await engine.HeartbeatAsync(stage.StageId, RunnerId, processId, heartbeatStop.Token))
                    {
                        // Cancelled by someone, or taken over by recovery: stop working on it.
                        running.Stop();
                        return;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(ex, "Heartbeat of stage {StageId} failed", stage.StageId);
                }
            }
        }, CancellationToken.None);

        StageOutcome outcome;
        try
        {
            outcome = stage.Kind switch
            {
                StageKind.Command => await commands.RunAsync(stage, log, async pid =>
                {
                    processId = pid;
                    await engine.HeartbeatAsync(stage.StageId, RunnerId, pid, CancellationToken.None);
                }, running.Token),
                StageKind.HealthCheck => await healthChecks.RunAsync(stage, log, running.Token),
                StageKind.SecurityGate => await securityGates.RunAsync(stage, running.Token),
                _ => StageOutcome.Failed($"A runner cannot execute {stage.Kind} stages."),
            };
        }
        catch (OperationCanceledException) when (running.Token.IsCancellationRequested)
        {
            outcome = new StageOutcome(StageStatus.Cancelled, null, "Stopped.");
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Stage {StageId} crashed", stage.StageId);
            outcome = StageOutcome.Failed($"The runner failed while executing the stage: {ex.Message}");
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        await log.DisposeAsync();
        if (outcome.Status == StageStatus.Cancelled && stoppingToken.IsCancellationRequested)
        {
            // This instance is shutting down; say so instead of leaving the stage for crash recovery.
            outcome = StageOutcome.Failed("The DeployGuard instance running this stage shut down; the stage was stopped.");
        }

        // False when the stage had already ended (cancelled by a person, or recovered): their version stands.
        await engine.CompleteStageAsync(stage.StageId, RunnerId, outcome, CancellationToken.None);
    }

    private sealed class Running(Guid deploymentId, CancellationTokenSource stop)
    {
        public Guid DeploymentId => deploymentId;

        public CancellationToken Token => stop.Token;

        public Task Task { get; set; } = Task.CompletedTask;

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
}
