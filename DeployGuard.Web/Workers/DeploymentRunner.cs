using System.Diagnostics;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Telemetry;
using DeployGuard.Web.Workers.Jobs;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Workers;

/// <summary>
/// The pipeline runner of this instance: the worker of <c>DeploymentStage</c> jobs. It executes the stages that need
/// work (commands, health checks, security gates) with the job's heartbeat, stops a stage when its deployment is
/// cancelled, records the outcome through the engine (guarded by its claim), and kills what a crashed runner on this
/// host left running when the sweep recovers its stage.
/// </summary>
internal sealed class DeploymentRunner(
    JobWorkerServices services,
    DeploymentEngine engine,
    DeploymentEventBus bus,
    IOptions<RunnerOptions> options,
    LogStore logs,
    CommandStage commands,
    HealthCheckStage healthChecks,
    SecurityGateStage securityGates,
    SecurityScanStage securityScans) : JobWorker<ClaimedStage>(services, engine.Stages)
{
    /// <summary>host/pid/random: <see cref="JobWorker{TWork}.Owner"/>, as stages show it.</summary>
    public string RunnerId => Owner;

    protected override string ShutdownMessage => "The DeployGuard instance running this stage shut down; the stage was stopped.";

    protected override string FailureMessage(Exception ex) => $"The runner failed while executing the stage: {ex.Message}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A person cancelled a deployment: stop its command now, not at the next heartbeat.
        using var cancels = bus.Subscribe(null, e =>
        {
            if (e.Kind == DeploymentEventKind.CancelRequested)
            {
                foreach (var running in Running.Where(r => r.Work.DeploymentId == e.DeploymentId))
                {
                    running.Stop();
                }
            }
        });
        await base.ExecuteAsync(stoppingToken);
    }

    protected override Activity? StartActivity(JobClaim<ClaimedStage> claim)
    {
        var stage = claim.Work!;
        // Every stage of a deployment, on whichever instance it runs, lands in one trace: the deployment id is its trace id.
        var bytes = stage.DeploymentId.ToByteArray();
        var parent = new ActivityContext(ActivityTraceId.CreateFromBytes(bytes), ActivitySpanId.CreateFromBytes(bytes.AsSpan(0, 8)),
            ActivityTraceFlags.Recorded, isRemote: true);
        return DeployGuardTelemetry.Activities.StartActivity($"stage {stage.Name}", ActivityKind.Internal, parent)?
            .SetTag("deployment.id", stage.DeploymentId).SetTag("stage.id", stage.StageId).SetTag("stage.name", stage.Name)
            .SetTag("stage.type", Data.Services.Pipelines.PipelineYaml.KindName(stage.Kind)).SetTag("service.name", stage.Context.ServiceName)
            .SetTag("deployment.environment", stage.Context.EnvironmentName).SetTag("release.version", stage.Context.Version);
    }

    protected override async Task<JobResult> RunAsync(JobRun<ClaimedStage> run, CancellationToken ct)
    {
        var stage = run.Work;
        StageOutcome outcome;
        await using (var log = new StageLogWriter(stage.DeploymentId, stage.StageId, logs, bus, Clock, options.Value, Logger))
        {
            outcome = stage.Kind switch
            {
                StageKind.Command => await commands.RunAsync(stage, log, pid => engine.RecordProcessAsync(stage.StageId, Owner, pid, CancellationToken.None), ct),
                StageKind.HealthCheck => await healthChecks.RunAsync(stage, log, ct),
                StageKind.SecurityGate => await securityGates.RunAsync(stage, ct),
                StageKind.SecurityScan => await securityScans.RunAsync(stage, log, ct),
                _ => StageOutcome.Failed($"A runner cannot execute {stage.Kind} stages."),
            };
        }

        if (outcome.Status == StageStatus.Cancelled && Stopping)
        {
            // This instance is shutting down; say so instead of leaving the stage for crash recovery.
            outcome = StageOutcome.Failed(ShutdownMessage);
        }

        Activity.Current?.SetTag("stage.outcome", outcome.Status.ToString().ToLowerInvariant());
        // Refused when the stage had already ended (cancelled by a person, or recovered): their version stands.
        await engine.CompleteStageAsync(stage.StageId, Owner, outcome, CancellationToken.None);
        return JobResult.Recorded;
    }

    protected override void OnSwept(SweptJob job)
    {
        // A crashed runner's command keeps running in its own session; on the same host we can still stop it.
        if (job.Detail is int group && job.Failure.Owner is { } owner && JobOwner.IsDeadOnThisHost(owner) && ProcessGroup.Kill(group))
        {
            Logger.LogWarning("Killed process group {Group} left by dead runner {Runner}", group, owner);
        }
    }
}
