using System.Globalization;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Pipelines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// The state machine of deployments and stages, in the database. Its work goes through the job queue (three kinds:
/// <see cref="Starts"/>, <see cref="Stages"/>, <see cref="Timers"/>): a queued deployment has a start job, a runnable
/// stage has a stage job, a waiting stage with a deadline has a timer job, each enqueued in the transaction that made
/// it due. People's actions (approve, cancel, report) go through the same transitions. Every transition locks the
/// deployment row (SELECT ... FOR UPDATE), after the job row when there is one (the queue's lock order), so concurrent
/// actors on one deployment queue up instead of overwriting each other.
/// </summary>
public sealed class DeploymentEngine
{
    public const string StartJobKind = "DeploymentStart";
    public const string StageJobKind = "DeploymentStage";
    public const string TimerJobKind = "StageTimer";

    private readonly IDbContextFactory<ApplicationDbContext> _contextFactory;
    private readonly AuditWriter _audit;
    private readonly DeploymentEventBus _bus;
    private readonly JobQueue _jobs;
    private readonly TimeProvider _clock;
    private readonly ILogger<DeploymentEngine> _logger;

    public DeploymentEngine(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, DeploymentEventBus bus, JobQueue jobs,
        TimeProvider clock, ILogger<DeploymentEngine> logger)
    {
        _contextFactory = contextFactory;
        _audit = audit;
        _bus = bus;
        _jobs = jobs;
        _clock = clock;
        _logger = logger;
        Starts = new StartJobs(this);
        Stages = new StageJobs(this);
        Timers = new TimerJobs(this);
    }

    /// <summary>Queued deployment → running (one per service and environment, oldest first).</summary>
    public JobKind<NoWork> Starts { get; }

    /// <summary>A runnable stage → claimed by a runner (commands, health checks, gates) or started waiting (approvals, timers, reports).</summary>
    public JobKind<ClaimedStage> Stages { get; }

    /// <summary>A waiting stage's deadline: a wait ends, an approval or external report times out.</summary>
    public JobKind<NoWork> Timers { get; }

    /// <summary>Starts every queued deployment that may start now, the way the workers do (tests, tools).</summary>
    public async Task<int> StartQueuedAsync(string owner = "direct", CancellationToken ct = default)
    {
        var claims = 0;
        while (await _jobs.ClaimAsync(Starts, owner, ct) is not null)
        {
            claims++;
        }

        return claims;
    }

    /// <summary>
    /// Claims the next runnable stage for <paramref name="runnerId"/>: stages that wait on people, reports or timers are
    /// started on the way and need no runner; the first stage that needs work (command, health check, security gate) is
    /// returned, and the caller now owns it.
    /// </summary>
    public async Task<ClaimedStage?> ClaimNextAsync(string runnerId, CancellationToken ct = default)
    {
        while (await _jobs.ClaimAsync(Stages, runnerId, ct) is { } claim)
        {
            if (claim.Work is not null)
            {
                return claim.Work;
            }
        }

        return null;
    }

    /// <summary>Remembers the process group of a running command, so a restarted instance on this host can kill what a crash left.</summary>
    public async Task RecordProcessAsync(Guid stageId, string runnerId, int processGroup, CancellationToken ct = default)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync(
            $"UPDATE deployment_stages SET process_id = {processGroup} WHERE id = {stageId} AND status = 'Running' AND claimed_by = {runnerId}", ct);
    }

    /// <summary>
    /// Records how a stage ended and moves the deployment on. With a runner id, only that runner's claim counts (its job
    /// must still be running and its own). False when the stage had already ended (cancelled, or recovered as failed).
    /// </summary>
    public async Task<bool> CompleteStageAsync(Guid stageId, string? runnerId, StageOutcome outcome, CancellationToken ct = default)
    {
        var result = await ChangeAsync<Unit>(
            async (db, ct2) =>
            {
                if (runnerId is not null && await JobQueue.LockOwnedAsync(db, StageJobKind, stageId, runnerId, ct2) is { } job)
                {
                    JobQueue.End(job, JobStatus.Succeeded, _clock.GetUtcNow());
                }
                else if (runnerId is not null)
                {
                    return null;
                }

                return await LockDeploymentOfStageAsync(db, stageId, ct2);
            },
            async (changes, deployment) =>
            {
                var stage = await changes.Db.DeploymentStages.FirstOrDefaultAsync(s => s.Id == stageId, ct);
                if (stage is null || stage.Status != StageStatus.Running || (runnerId is not null && stage.ClaimedBy != runnerId))
                {
                    return Result<Unit>.Invalid("", "The stage is no longer running for this runner.");
                }

                await EndStageAsync(changes, deployment, stage, outcome, ct);
                return Result<Unit>.Ok(Unit.Value);
            }, ct);
        return result.Succeeded;
    }

    /// <summary>
    /// The one transaction-and-lock preamble of every change to a deployment: opens a transaction, locks the deployment row
    /// (404 when it does not exist), runs <paramref name="body"/>, and when it succeeds saves, commits and publishes the
    /// change set's events. A failed result rolls everything back. <paramref name="onConflict"/> turns a constraint violation
    /// at commit into a result.
    /// </summary>
    internal Task<Result<T>> ChangeAsync<T>(Guid deploymentId, Func<ChangeSet, Deployment, Task<Result<T>>> body, CancellationToken ct,
        bool endStageJobs = false, Func<DbUpdateException, Result<T>?>? onConflict = null) =>
        ChangeAsync(
            async (db, ct2) =>
            {
                if (endStageJobs)
                {
                    // The running stage's job ends with the deployment, so its runner's next heartbeat is refused. Job rows
                    // first, then the deployment (the queue's lock order).
                    var stageIds = await db.DeploymentStages.Where(s => s.DeploymentId == deploymentId).Select(s => s.Id).ToListAsync(ct2);
                    foreach (var job in await JobQueue.LockUnfinishedAsync(db, stageIds, ct2))
                    {
                        JobQueue.End(job, JobStatus.Cancelled, _clock.GetUtcNow(), "The deployment ended.");
                    }
                }

                return await LockDeploymentAsync(db, deploymentId, ct2);
            }, body, ct, onConflict, $"Deployment {deploymentId} does not exist.");

    private async Task<Result<T>> ChangeAsync<T>(Func<ApplicationDbContext, CancellationToken, Task<Deployment?>> lockStep,
        Func<ChangeSet, Deployment, Task<Result<T>>> body, CancellationToken ct, Func<DbUpdateException, Result<T>?>? onConflict = null,
        string notFound = "Not found.")
    {
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var deployment = await lockStep(db, ct);
        if (deployment is null)
        {
            return Result<T>.NotFound(notFound);
        }

        var changes = new ChangeSet(db, _clock.GetUtcNow());
        var result = await body(changes, deployment);
        if (!result.Succeeded)
        {
            return result;
        }

        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (onConflict?.Invoke(ex) is { } conflict)
        {
            return conflict;
        }

        await changes.AfterCommitAsync(_bus, ct);
        return result;
    }

    /// <summary>Records the deployed URL or image a command announced (##dg url / ##dg image).</summary>
    public async Task UpdateDeploymentDetailsAsync(Guid deploymentId, string? deployedUrl, string? imageTag, double? imageSizeMb,
        CancellationToken ct = default)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        var deployment = await db.Deployments.FirstOrDefaultAsync(d => d.Id == deploymentId, ct);
        if (deployment is null)
        {
            return;
        }

        deployment.DeployedUrl = deployedUrl ?? deployment.DeployedUrl;
        deployment.ImageTag = imageTag ?? deployment.ImageTag;
        deployment.ImageSizeMb = imageSizeMb ?? deployment.ImageSizeMb;
        await db.SaveChangesAsync(ct);
        var changes = new ChangeSet(db, _clock.GetUtcNow());
        changes.DeploymentChanged(deployment);
        await changes.AfterCommitAsync(_bus, ct);
    }

    public async Task RecordHealthCheckAsync(HealthCheckAttempt attempt, CancellationToken ct = default)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        var changes = new ChangeSet(db, attempt.CheckedAt);
        attempt.Id = Guid.CreateVersion7();
        db.HealthCheckAttempts.Add(attempt);
        changes.Log(attempt.DeploymentId, attempt.StageId, attempt.Healthy ? DeploymentLogLevel.Info : DeploymentLogLevel.Warning, "health_check",
            $"Health check {attempt.Attempt}/{attempt.MaxAttempts} {attempt.CheckType.ToString().ToUpperInvariant()} {attempt.Url}: " +
            (attempt.Healthy ? "healthy" : "unhealthy") +
            (attempt.StatusCode is { } code ? $", status {code}" : "") +
            (attempt.LatencyMs is { } latency ? $", {latency} ms" : "") +
            (attempt.Error is { } error ? $" ({error})" : ""));
        changes.Raise(new DeploymentEvent(DeploymentEventKind.HealthCheckRecorded, attempt.DeploymentId)
        {
            StageId = attempt.StageId, Status = attempt.Healthy ? "Healthy" : "Unhealthy",
            HealthCheck = new HealthCheckRow(attempt.Id, attempt.StageId, attempt.CheckType, attempt.Url, attempt.StatusCode, attempt.LatencyMs,
                attempt.Healthy, attempt.BodyExcerpt, attempt.Attempt, attempt.MaxAttempts, attempt.Error, attempt.CheckedAt),
        });
        await db.SaveChangesAsync(ct);
        await changes.AfterCommitAsync(_bus, ct);
    }

    /// <summary>Stores the gate's decision with the scans it used (seed 03 security_scans), and logs its reasoning on the stage.</summary>
    public async Task RecordGateDecisionAsync(SecurityGateDecision decision, Func<Guid, IReadOnlyList<SecurityScan>>? scans = null,
        CancellationToken ct = default)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        var changes = new ChangeSet(db, decision.DecidedAt);
        decision.Id = Guid.CreateVersion7();
        db.SecurityGateDecisions.Add(decision);
        if (scans is not null)
        {
            db.SecurityScans.AddRange(scans(decision.Id));
        }

        changes.Log(decision.DeploymentId, decision.StageId,
            decision.Decision switch { GateDecision.Approve => DeploymentLogLevel.Info, GateDecision.Warn => DeploymentLogLevel.Warning, _ => DeploymentLogLevel.Error },
            "security_gate", $"Security gate ({(decision.PolicyVersion is > 0 ? $"policy version {decision.PolicyVersion}" : $"{decision.Policy} preset")}): {decision.Reason}");
        changes.Raise(new DeploymentEvent(DeploymentEventKind.GateDecided, decision.DeploymentId)
        {
            StageId = decision.StageId, Status = decision.Decision.ToString(),
            Gate = new GateRow(decision.Id, decision.StageId, decision.CommitSha, decision.Decision, decision.Reason, decision.Policy,
                decision.ScanResultsFound, decision.DecidedAt),
        });
        await db.SaveChangesAsync(ct);
        await changes.AfterCommitAsync(_bus, ct);
    }

    public async Task RecordMetricAsync(Guid deploymentId, Guid? stageId, string name, double value, string? unit, CancellationToken ct = default)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        var changes = new ChangeSet(db, _clock.GetUtcNow());
        db.DeploymentMetrics.Add(changes.Metric(deploymentId, stageId, name, value, unit, out var row));
        changes.Raise(new DeploymentEvent(DeploymentEventKind.MetricRecorded, deploymentId) { StageId = stageId, Metrics = [row] });
        await db.SaveChangesAsync(ct);
        await changes.AfterCommitAsync(_bus, ct);
    }

    // ---- the job kinds' steps (called by StartJobs, StageJobs and TimerJobs in the claiming or failing transaction) ----

    private async Task<NoWork?> StartAsync(JobTransaction tx, CancellationToken ct)
    {
        var db = tx.Db;
        var deployment = await LockDeploymentAsync(db, tx.Job.SubjectId!.Value, ct);
        if (deployment is null || deployment.Status != DeploymentStatus.Queued)
        {
            tx.Cancel("The deployment is no longer queued.");
            return null;
        }

        // One start at a time per service and environment; then: is one running (waiting for its lock if it is being
        // finished right now), or an older one queued? Either way this one waits: that one's end queues the next start.
        await db.Database.LockAsync($"deploy:{deployment.ServiceId}/{deployment.EnvironmentId}", ct);
        var ahead = await db.Deployments.FromSql(
                $"""
                SELECT * FROM deployments
                WHERE service_id = {deployment.ServiceId} AND environment_id = {deployment.EnvironmentId} AND NOT is_deleted AND id <> {deployment.Id}
                  AND (status = 'Running' OR (status = 'Queued' AND created_at < {deployment.CreatedAt}))
                FOR UPDATE
                """)
            .AsNoTracking().ToListAsync(ct);
        if (ahead.Count > 0)
        {
            tx.Cancel($"Waits for deployment {ahead.First().Id} of the same service and environment.");
            return null;
        }

        var changes = new ChangeSet(db, tx.Now);
        var release = await db.Releases.FirstAsync(r => r.Id == deployment.ReleaseId, ct);
        var block = await db.BlockedReleases.AsNoTracking()
            .FirstOrDefaultAsync(b => b.EnvironmentId == deployment.EnvironmentId && b.ReleaseId == deployment.ReleaseId && b.UnblockedAt == null, ct);
        deployment.StartedAt = changes.Now;
        var stages = await StagesOf(db, deployment.Id, ct);
        if (block is not null)
        {
            // Blocked while it waited in the queue: it must not run "automatically" either.
            await FinishAsync(changes, deployment, stages, release, DeploymentStatus.Failed,
                $"Release {release.Version} is blocked in this environment: {block.Reason}", ct);
        }
        else
        {
            deployment.Status = DeploymentStatus.Running;
            release.Status = ReleaseStatus.Deploying;
            changes.Log(deployment.Id, null, DeploymentLogLevel.Info, "deployment_started", $"Deployment of {release.Version} started.");
            changes.DeploymentChanged(deployment);
            changes.Committed(DeploymentMetrics.Started);
            JobQueue.Enqueue(db, StageJobKind, changes.Now, stages[0].Id);
        }

        tx.AfterCommit(c => changes.AfterCommitAsync(_bus, c));
        return null;
    }

    private async Task<ClaimedStage?> ClaimStageAsync(JobTransaction tx, CancellationToken ct)
    {
        var db = tx.Db;
        var now = tx.Now;
        var stageId = tx.Job.SubjectId!.Value;
        var deployment = await LockDeploymentOfStageAsync(db, stageId, ct);
        var stage = deployment is null ? null : await db.DeploymentStages.FirstOrDefaultAsync(s => s.Id == stageId, ct);
        if (deployment is null || stage is null || deployment.Status != DeploymentStatus.Running || stage.Status != StageStatus.Pending)
        {
            tx.Cancel("The stage is no longer waiting to run.");
            return null;
        }

        if (stage.NotBefore is { } notBefore && notBefore > now)
        {
            tx.Defer(notBefore);
            return null;
        }

        var changes = new ChangeSet(db, now);
        var context = await db.Deployments.AsNoTracking()
            .Include(d => d.Release).Include(d => d.Service).Include(d => d.Environment)
            .FirstAsync(d => d.Id == stage.DeploymentId, ct);
        var definition = StageDefinition.FromJson(stage.Config);
        stage.Status = StageStatus.Running;
        stage.StartedAt = now;
        ClaimedStage? claimed = null;
        switch (stage.Kind)
        {
            case StageKind.Approval:
                var required = Math.Max(1, definition.Approvals ?? context.Environment!.RequiredApprovals);
                definition = definition with { Approvals = required };
                stage.Config = definition.ToJson();
                stage.DueAt = definition.TimeoutSeconds is { } approvalTimeout ? now.AddSeconds(approvalTimeout) : null;
                changes.Log(stage.DeploymentId, stage.Id, DeploymentLogLevel.Info, "approval_requested",
                    $"Stage {stage.Name}: waiting for {Text.Count(required, "approval")} for {context.Environment!.Name}.");
                changes.Raise(new DeploymentEvent(DeploymentEventKind.ApprovalRequested, stage.DeploymentId)
                {
                    StageId = stage.Id, StageName = stage.Name,
                    Message = $"{context.Service!.Name} {context.Release!.Version} → {context.Environment.Name} needs approval",
                });
                break;
            case StageKind.Wait:
                stage.DueAt = now.AddSeconds(definition.Seconds ?? 0);
                changes.Log(stage.DeploymentId, stage.Id, DeploymentLogLevel.Info, "wait_started",
                    $"Stage {stage.Name}: waiting {definition.Seconds ?? 0} s.");
                break;
            case StageKind.External:
                stage.DueAt = now.AddSeconds(definition.TimeoutSeconds ?? 3600);
                changes.Log(stage.DeploymentId, stage.Id, DeploymentLogLevel.Info, "external_waiting",
                    $"Stage {stage.Name}: waiting up to {definition.TimeoutSeconds ?? 3600} s for an external system to report " +
                    $"(POST /api/deployments/{stage.DeploymentId}/stages/{stage.Name}/result).");
                break;
            default:
                stage.ClaimedBy = tx.Owner;
                changes.Log(stage.DeploymentId, stage.Id, DeploymentLogLevel.Info, "stage_started",
                    $"Stage {stage.Name} ({PipelineYaml.KindName(stage.Kind)}) started on runner {tx.Owner}.");
                claimed = new ClaimedStage(stage.Id, stage.DeploymentId, stage.Name, stage.Kind, stage.Position, definition,
                    ContextOf(context, await PreviousVersionAsync(db, context, ct)), now);
                break;
        }

        if (stage.DueAt is { } due)
        {
            JobQueue.Enqueue(db, TimerJobKind, now, stage.Id, due);
        }

        changes.StageChanged(stage);
        tx.AfterCommit(c => changes.AfterCommitAsync(_bus, c));
        return claimed;
    }

    private async Task StageFailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct)
    {
        var stageId = tx.Job.SubjectId!.Value;
        var deployment = await LockDeploymentOfStageAsync(tx.Db, stageId, ct);
        var stage = deployment is null ? null : await tx.Db.DeploymentStages.FirstOrDefaultAsync(s => s.Id == stageId, ct);
        if (deployment is null || stage is null || stage.Status != StageStatus.Running || stage.ClaimedBy != failure.Owner)
        {
            return;
        }

        var changes = new ChangeSet(tx.Db, tx.Now);
        tx.Detail = stage.ProcessId;
        if (failure.Stale)
        {
            _audit.Add(tx.Db, AuditActor.System, AuditActions.DeploymentStageRecovered, ResourceTypes.Deployment,
                deployment.Id.ToString(), new { stage = stage.Name, claimedBy = stage.ClaimedBy, heartbeatAt = failure.LastHeartbeat, reason = failure.Reason });
        }

        if (failure.Requeued)
        {
            // Only when an operator allowed stage retries (Jobs:Kinds:DeploymentStage:MaxAttempts > 1): run it again from scratch.
            stage.Status = StageStatus.Pending;
            stage.StartedAt = null;
            stage.ClaimedBy = null;
            stage.ProcessId = null;
            changes.Log(deployment.Id, stage.Id, DeploymentLogLevel.Warning, "stage_retry", $"Stage {stage.Name} will run again: {failure.Reason}");
            changes.StageChanged(stage);
        }
        else
        {
            await EndStageAsync(changes, deployment, stage, StageOutcome.Failed(failure.Reason), ct);
        }

        tx.AfterCommit(c => changes.AfterCommitAsync(_bus, c));
    }

    private async Task<NoWork?> EndOverdueAsync(JobTransaction tx, CancellationToken ct)
    {
        var stageId = tx.Job.SubjectId!.Value;
        var deployment = await LockDeploymentOfStageAsync(tx.Db, stageId, ct);
        var stage = deployment is null ? null : await tx.Db.DeploymentStages.FirstOrDefaultAsync(s => s.Id == stageId, ct);
        if (deployment is null || stage is null || stage.Status != StageStatus.Running || stage.DueAt is not { } due)
        {
            tx.Cancel("The stage is no longer waiting.");
            return null;
        }

        if (due > tx.Now)
        {
            tx.Defer(due);
            return null;
        }

        var definition = StageDefinition.FromJson(stage.Config);
        var outcome = stage.Kind switch
        {
            StageKind.Wait => StageOutcome.Succeeded(),
            StageKind.External => StageOutcome.Failed($"No external report arrived within {definition.TimeoutSeconds ?? 3600} s."),
            StageKind.Approval => StageOutcome.Failed($"No approval decision within {definition.TimeoutSeconds} s."),
            _ => null,
        };
        if (outcome is null)
        {
            tx.Cancel($"{stage.Kind} stages have no deadline.");
            return null;
        }

        var changes = new ChangeSet(tx.Db, tx.Now);
        await EndStageAsync(changes, deployment, stage, outcome, ct);
        tx.AfterCommit(c => changes.AfterCommitAsync(_bus, c));
        return null;
    }

    internal static async Task<Deployment?> LockDeploymentOfStageAsync(ApplicationDbContext db, Guid stageId, CancellationToken ct) =>
        (await db.Deployments.FromSql(
                $"SELECT d.* FROM deployments d WHERE d.id = (SELECT deployment_id FROM deployment_stages WHERE id = {stageId}) FOR UPDATE")
            .ToListAsync(ct)).FirstOrDefault();

    internal static async Task<Deployment?> LockDeploymentAsync(ApplicationDbContext db, Guid deploymentId, CancellationToken ct) =>
        (await db.Deployments.FromSql($"SELECT * FROM deployments WHERE id = {deploymentId} AND NOT is_deleted FOR UPDATE").ToListAsync(ct))
        .FirstOrDefault();

    private static Task<List<DeploymentStage>> StagesOf(ApplicationDbContext db, Guid deploymentId, CancellationToken ct) =>
        db.DeploymentStages.Where(s => s.DeploymentId == deploymentId).OrderBy(s => s.Position).ToListAsync(ct);

    /// <summary>Ends a running stage (the deployment row is locked by the caller) and finishes the deployment when that was the end.</summary>
    internal async Task EndStageAsync(ChangeSet changes, Deployment deployment, DeploymentStage stage, StageOutcome outcome, CancellationToken ct)
    {
        var db = changes.Db;
        var now = changes.Now;
        stage.Status = outcome.Status;
        stage.CompletedAt = now;
        stage.DurationMs = stage.StartedAt is { } started ? (long)(now - started).TotalMilliseconds : 0;
        stage.ExitCode = outcome.ExitCode ?? stage.ExitCode;
        stage.Error = outcome.Error is null ? null : Truncate(outcome.Error, 2000);
        stage.ProcessId = null;
        db.DeploymentMetrics.Add(changes.Metric(deployment.Id, stage.Id, $"stage.{stage.Name}.duration", Math.Round(stage.DurationMs.Value / 1000.0, 3),
            "s", out var metric));
        var seconds = (stage.DurationMs.Value / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);
        changes.Log(deployment.Id, stage.Id, outcome.Status == StageStatus.Succeeded ? DeploymentLogLevel.Info : DeploymentLogLevel.Error,
            "stage_finished",
            outcome.Status switch
            {
                StageStatus.Succeeded => $"Stage {stage.Name} succeeded in {seconds} s.",
                StageStatus.Cancelled => $"Stage {stage.Name} cancelled after {seconds} s.",
                _ => $"Stage {stage.Name} {outcome.Status.ToString().ToLowerInvariant()} after {seconds} s: {outcome.Error}",
            });
        changes.StageChanged(stage, metric);
        var kind = stage.Kind;
        var duration = stage.DurationMs.Value / 1000.0;
        changes.Committed(() => DeploymentMetrics.StageEnded(kind, outcome.Status, duration));

        var stages = await StagesOf(db, deployment.Id, ct);
        var release = await db.Releases.FirstAsync(r => r.Id == deployment.ReleaseId, ct);
        if (outcome.Status == StageStatus.Succeeded)
        {
            var next = stages.Where(s => s.Position > stage.Position && s.Status == StageStatus.Pending).MinBy(s => s.Position);
            if (next is null)
            {
                await FinishAsync(changes, deployment, stages, release, DeploymentStatus.Succeeded, null, ct);
                return;
            }

            if (outcome.NextNotBefore is { } notBefore && notBefore > now)
            {
                next.NotBefore = notBefore;
                changes.Log(deployment.Id, next.Id, DeploymentLogLevel.Info, "wait_timer",
                    $"Wait timer: stage {next.Name} starts at {notBefore.UtcDateTime:HH:mm:ss} UTC.");
                changes.StageChanged(next);
            }

            JobQueue.Enqueue(db, StageJobKind, now, next.Id, next.NotBefore);
            return;
        }

        var status = outcome.Status == StageStatus.Cancelled ? DeploymentStatus.Cancelled : outcome.EndDeploymentAs;
        var reason = outcome.Status == StageStatus.Cancelled ? outcome.Error ?? "Cancelled." : $"Stage '{stage.Name}' {Verb(status)}: {outcome.Error}";
        await FinishAsync(changes, deployment, stages, release, status, reason, ct);
    }

    internal async Task FinishAsync(ChangeSet changes, Deployment deployment, List<DeploymentStage> stages, Release release, DeploymentStatus status,
        string? reason, CancellationToken ct)
    {
        Finish(changes, deployment, stages, release, status, reason);
        await SettleReleasesAsync(changes, deployment, release, status, ct);
        // The next deployment of this service and environment may start now; its start job waits for this commit.
        var next = await changes.Db.Deployments.AsNoTracking()
            .Where(d => d.ServiceId == deployment.ServiceId && d.EnvironmentId == deployment.EnvironmentId && d.Status == DeploymentStatus.Queued &&
                        !d.IsDeleted && d.Id != deployment.Id)
            .OrderBy(d => d.CreatedAt).Select(d => (Guid?)d.Id).FirstOrDefaultAsync(ct);
        if (next is { } nextId)
        {
            JobQueue.Enqueue(changes.Db, StartJobKind, changes.Now, nextId);
        }
    }

    private void Finish(ChangeSet changes, Deployment deployment, List<DeploymentStage> stages, Release release, DeploymentStatus status,
        string? reason)
    {
        var now = changes.Now;
        deployment.Status = status;
        deployment.StatusReason = reason is null ? null : Truncate(reason, 2000);
        deployment.CompletedAt = now;
        deployment.DurationSeconds = Math.Round((now - (deployment.StartedAt ?? deployment.CreatedAt)).TotalSeconds, 3);
        foreach (var other in stages.Where(s => !s.IsFinished))
        {
            other.Status = other.Status == StageStatus.Running ? StageStatus.Cancelled : StageStatus.Skipped;
            other.CompletedAt = now;
            if (other.StartedAt is { } started)
            {
                other.DurationMs = (long)(now - started).TotalMilliseconds;
            }

            changes.StageChanged(other);
        }

        changes.Db.DeploymentMetrics.Add(changes.Metric(deployment.Id, null, "deployment.duration", deployment.DurationSeconds.Value, "s", out var metric));
        changes.Log(deployment.Id, null, status == DeploymentStatus.Succeeded ? DeploymentLogLevel.Info : DeploymentLogLevel.Error,
            "deployment_finished", $"Deployment {Verb(status)}" + (reason is null ? "." : $": {reason}"));
        _audit.Add(changes.Db, AuditActor.System, AuditActions.DeploymentFinished, ResourceTypes.Deployment,
            deployment.Id.ToString(), new { release = release.Version, status = status.ToString(), reason, deployment.DurationSeconds });
        changes.DeploymentChanged(deployment, DeploymentEventKind.DeploymentFinished, reason, metric);
        var duration = deployment.DurationSeconds.Value;
        changes.Committed(() => DeploymentMetrics.Finished(status, duration));
    }

    /// <summary>Release status and rollback records follow the deployment's end.</summary>
    private static async Task SettleReleasesAsync(ChangeSet changes, Deployment deployment, Release release, DeploymentStatus status,
        CancellationToken ct)
    {
        var db = changes.Db;
        switch (status)
        {
            case DeploymentStatus.Succeeded:
                release.Status = ReleaseStatus.Deployed;
                if (deployment.PreviousDeploymentId is { } previousId)
                {
                    var previousRelease = await db.Deployments.Where(d => d.Id == previousId).Select(d => d.Release).FirstOrDefaultAsync(ct);
                    if (previousRelease is not null && previousRelease.Id != release.Id && previousRelease.Status == ReleaseStatus.Deployed)
                    {
                        previousRelease.Status = ReleaseStatus.Superseded;
                    }
                }

                break;
            case DeploymentStatus.Failed:
                release.Status = ReleaseStatus.Failed;
                break;
            default:
                // Rejected or cancelled: the release is what it was before this attempt.
                var succeededBefore = await db.Deployments.AnyAsync(d => d.ReleaseId == release.Id && d.Id != deployment.Id &&
                                                                         d.Status == DeploymentStatus.Succeeded, ct);
                if (release.Status == ReleaseStatus.Deploying)
                {
                    release.Status = succeededBefore ? ReleaseStatus.Deployed : ReleaseStatus.Ready;
                }

                break;
        }

        var rollback = await db.Rollbacks.FirstOrDefaultAsync(r => r.RollbackDeploymentId == deployment.Id, ct);
        if (rollback is not null)
        {
            rollback.Status = status == DeploymentStatus.Succeeded ? RollbackStatus.Completed : RollbackStatus.Failed;
            rollback.CompletedAt = changes.Now;
        }
    }

    private static async Task<string?> PreviousVersionAsync(ApplicationDbContext db, Deployment deployment, CancellationToken ct) =>
        deployment.PreviousDeploymentId is { } previous
            ? await db.Deployments.Where(d => d.Id == previous).Select(d => d.Release!.Version).FirstOrDefaultAsync(ct)
            : null;

    internal static DeploymentContext ContextOf(Deployment d, string? previousVersion) =>
        new(d.Id, d.ReleaseId, d.Release!.Version, d.Release.CommitSha, d.Release.Branch, d.ServiceId, d.Service!.Name, d.Service.RepositoryUrl,
            d.EnvironmentId, d.Environment!.Name, d.Environment.Type, d.Environment.SecurityPolicy, d.Strategy, d.TriggeredByName, previousVersion,
            d.DeployedUrl);

    public static string Verb(DeploymentStatus status) => status switch
    {
        DeploymentStatus.Succeeded => "succeeded",
        DeploymentStatus.Failed => "failed",
        DeploymentStatus.Rejected => "was rejected",
        DeploymentStatus.Cancelled => "was cancelled",
        DeploymentStatus.RolledBack => "was rolled back",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..(max - 1)] + "…";

    private sealed class StartJobs(DeploymentEngine engine) : JobKind<NoWork>
    {
        public override string Name => StartJobKind;

        // Starts of different services and environments do not wait on each other (each pair has its own lock).
        public override JobKindPolicy Defaults { get; } = JobKindPolicy.Standard with { Concurrency = 4 };

        public override Task<NoWork?> ClaimAsync(JobTransaction tx, CancellationToken ct) => engine.StartAsync(tx, ct);
    }

    private sealed class StageJobs(DeploymentEngine engine) : JobKind<ClaimedStage>
    {
        public override string Name => StageJobKind;

        // A stage's command is never run twice unless an operator says so (MaxAttempts): it may have deployed half-way.
        public override JobKindPolicy Defaults { get; } = JobKindPolicy.Standard with { Concurrency = 4, StaleAfterSeconds = 30 };

        public override Task<ClaimedStage?> ClaimAsync(JobTransaction tx, CancellationToken ct) => engine.ClaimStageAsync(tx, ct);

        public override Task FailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct) => engine.StageFailedAsync(tx, failure, ct);

        public override string StaleReason(string owner, DateTimeOffset lastHeartbeat, bool processGone) =>
            $"The runner {owner} stopped responding (last heartbeat {lastHeartbeat.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC" +
            (processGone ? ", its process is gone" : "") + "); the stage was interrupted and is marked failed.";
    }

    private sealed class TimerJobs(DeploymentEngine engine) : JobKind<NoWork>
    {
        public override string Name => TimerJobKind;

        public override Task<NoWork?> ClaimAsync(JobTransaction tx, CancellationToken ct) => engine.EndOverdueAsync(tx, ct);
    }
}
