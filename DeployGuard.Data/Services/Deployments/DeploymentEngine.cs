using System.Globalization;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Pipelines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// The state machine of deployments and stages, in the database. Runners (any number of app instances) call
/// <see cref="StartQueuedAsync"/>, <see cref="ClaimNextAsync"/>, <see cref="HeartbeatAsync"/>, <see cref="CompleteStageAsync"/>
/// and <see cref="SweepAsync"/>; people's actions (approve, cancel, report) go through the same transitions.
/// Every transition locks the deployment row first (SELECT ... FOR UPDATE), so concurrent actors on one deployment
/// queue up instead of overwriting each other; claims use FOR UPDATE SKIP LOCKED so runners never wait on each other.
/// </summary>
public sealed class DeploymentEngine(
    IDbContextFactory<ApplicationDbContext> contextFactory,
    AuditWriter audit,
    DeploymentEventBus bus,
    TimeProvider clock,
    ILogger<DeploymentEngine> logger)
{
    /// <summary>Moves the oldest queued deployment of each service+environment with nothing running to Running.</summary>
    public async Task<int> StartQueuedAsync(CancellationToken ct = default)
    {
        List<Guid> candidates;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            candidates = await db.Database.SqlQuery<Guid>(
                $"""
                SELECT DISTINCT ON (q.service_id, q.environment_id) q.id AS "Value"
                FROM deployments q
                WHERE q.status = 'Queued' AND NOT q.is_deleted
                  AND NOT EXISTS (SELECT 1 FROM deployments r
                                  WHERE r.service_id = q.service_id AND r.environment_id = q.environment_id AND r.status = 'Running')
                ORDER BY q.service_id, q.environment_id, q.created_at
                LIMIT 100
                """).ToListAsync(ct);
        }

        var started = 0;
        foreach (var id in candidates)
        {
            if (await TryStartAsync(id, ct))
            {
                started++;
            }
        }

        return started;
    }

    private async Task<bool> TryStartAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var deployment = (await db.Deployments
            .FromSql($"SELECT * FROM deployments WHERE id = {id} AND status = 'Queued' AND NOT is_deleted FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct)).FirstOrDefault();
        if (deployment is null)
        {
            return false;
        }

        var changes = new ChangeSet(db, clock.GetUtcNow());
        var release = await db.Releases.FirstAsync(r => r.Id == deployment.ReleaseId, ct);
        var block = await db.BlockedReleases.AsNoTracking()
            .FirstOrDefaultAsync(b => b.EnvironmentId == deployment.EnvironmentId && b.ReleaseId == deployment.ReleaseId && b.UnblockedAt == null, ct);
        deployment.StartedAt = changes.Now;
        if (block is not null)
        {
            // Blocked while it waited in the queue: it must not run "automatically" either.
            await FinishAsync(changes, deployment, await StagesOf(db, deployment.Id, ct), release, DeploymentStatus.Failed,
                $"Release {release.Version} is blocked in this environment: {block.Reason}", ct);
        }
        else
        {
            deployment.Status = DeploymentStatus.Running;
            release.Status = ReleaseStatus.Deploying;
            changes.Log(deployment.Id, null, DeploymentLogLevel.Info, "deployment_started", $"Deployment of {release.Version} started.");
            changes.Raise(new DeploymentEvent(DeploymentEventKind.DeploymentChanged, deployment.Id) { Status = deployment.Status.ToString() });
        }

        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another runner started a deployment of this service+environment first; this one stays queued.
            return false;
        }

        await bus.PublishAsync(changes.Events(), ct);
        return true;
    }

    /// <summary>
    /// Claims the next runnable stage: pending, its deployment running, every earlier stage done, not held back by a
    /// wait timer. Stages that wait on people, reports or timers are started here and need no runner; the first
    /// stage that needs work (command, health check, security gate) is returned to the caller, who now owns it.
    /// </summary>
    public async Task<ClaimedStage?> ClaimNextAsync(string runnerId, CancellationToken ct = default)
    {
        for (var i = 0; i < 50; i++)
        {
            await using var db = await contextFactory.CreateDbContextAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var now = clock.GetUtcNow();
            var stage = (await db.DeploymentStages.FromSql(
                $"""
                SELECT s.* FROM deployments r
                CROSS JOIN LATERAL (
                    -- The deployment's first unfinished stage: one index probe per running deployment.
                    SELECT f.id, f.status, f.not_before FROM deployment_stages f
                    WHERE f.deployment_id = r.id AND f.status NOT IN ('Succeeded', 'Skipped')
                    ORDER BY f.position LIMIT 1) AS first
                JOIN deployment_stages s ON s.id = first.id
                WHERE r.status = 'Running' AND first.status = 'Pending'
                  AND (first.not_before IS NULL OR first.not_before <= {now})
                ORDER BY r.started_at
                LIMIT 1
                FOR UPDATE OF s SKIP LOCKED
                """).ToListAsync(ct)).FirstOrDefault();
            if (stage is null)
            {
                return null;
            }

            // The conditions on `s` are checked here, on the row as locked: FOR UPDATE returns its latest version, so a
            // stage another runner claimed and committed a moment ago shows as Running and is left alone. (Kept out of
            // the WHERE clause so the planner joins `s` by primary key.)
            if (stage.Status != StageStatus.Pending)
            {
                continue;
            }

            var changes = new ChangeSet(db, now);
            var deployment = await db.Deployments.AsNoTracking()
                .Include(d => d.Release).Include(d => d.Service).Include(d => d.Environment)
                .FirstAsync(d => d.Id == stage.DeploymentId, ct);
            var definition = StageDefinition.FromJson(stage.Config);
            stage.Status = StageStatus.Running;
            stage.StartedAt = now;
            ClaimedStage? claimed = null;
            switch (stage.Kind)
            {
                case StageKind.Approval:
                    var required = Math.Max(1, definition.Approvals ?? deployment.Environment!.RequiredApprovals);
                    definition = definition with { Approvals = required };
                    stage.Config = definition.ToJson();
                    stage.DueAt = definition.TimeoutSeconds is { } approvalTimeout ? now.AddSeconds(approvalTimeout) : null;
                    changes.Log(stage.DeploymentId, stage.Id, DeploymentLogLevel.Info, "approval_requested",
                        $"Stage {stage.Name}: waiting for {required} approval(s) for {deployment.Environment!.Name}.");
                    changes.Raise(new DeploymentEvent(DeploymentEventKind.ApprovalRequested, stage.DeploymentId)
                    {
                        StageId = stage.Id, StageName = stage.Name,
                        Message = $"{deployment.Service!.Name} {deployment.Release!.Version} → {deployment.Environment.Name} needs approval",
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
                    stage.ClaimedBy = runnerId;
                    stage.HeartbeatAt = now;
                    changes.Log(stage.DeploymentId, stage.Id, DeploymentLogLevel.Info, "stage_started",
                        $"Stage {stage.Name} ({PipelineYaml.KindName(stage.Kind)}) started on runner {runnerId}.");
                    claimed = new ClaimedStage(stage.Id, stage.DeploymentId, stage.Name, stage.Kind, stage.Position, definition,
                        ContextOf(deployment, await PreviousVersionAsync(db, deployment, ct)), now);
                    break;
            }

            changes.StageChanged(stage);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            await bus.PublishAsync(changes.Events(), ct);
            if (claimed is not null)
            {
                return claimed;
            }
        }

        return null;
    }

    /// <summary>Keeps a claimed stage alive. False when the stage is no longer ours to run (cancelled, or recovered as failed).</summary>
    public async Task<bool> HeartbeatAsync(Guid stageId, string runnerId, int? processId = null, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var rows = await db.Database.ExecuteSqlAsync(
            $"""
            UPDATE deployment_stages SET heartbeat_at = {now}, process_id = coalesce({processId}, process_id)
            WHERE id = {stageId} AND status = 'Running' AND claimed_by = {runnerId}
            """, ct);
        return rows == 1;
    }

    /// <summary>Records how a stage ended and moves the deployment on. False when the stage had already ended (e.g. cancelled).</summary>
    public async Task<bool> CompleteStageAsync(Guid stageId, string? runnerId, StageOutcome outcome, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var changes = new ChangeSet(db, clock.GetUtcNow());
        var deployment = await LockDeploymentOfStageAsync(db, stageId, ct);
        var stage = deployment is null ? null : await db.DeploymentStages.FirstOrDefaultAsync(s => s.Id == stageId, ct);
        if (deployment is null || stage is null || stage.Status != StageStatus.Running || (runnerId is not null && stage.ClaimedBy != runnerId))
        {
            return false;
        }

        await EndStageAsync(changes, deployment, stage, outcome, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await bus.PublishAsync(changes.Events(), ct);
        return true;
    }

    /// <summary>Records the deployed URL or image a command announced (##dg url / ##dg image).</summary>
    public async Task UpdateDeploymentDetailsAsync(Guid deploymentId, string? deployedUrl, string? imageTag, double? imageSizeMb,
        CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var deployment = await db.Deployments.FirstOrDefaultAsync(d => d.Id == deploymentId, ct);
        if (deployment is null)
        {
            return;
        }

        deployment.DeployedUrl = deployedUrl ?? deployment.DeployedUrl;
        deployment.ImageTag = imageTag ?? deployment.ImageTag;
        deployment.ImageSizeMb = imageSizeMb ?? deployment.ImageSizeMb;
        await db.SaveChangesAsync(ct);
        await bus.PublishAsync(new DeploymentEvent(DeploymentEventKind.DeploymentChanged, deploymentId) { Status = deployment.Status.ToString() }, ct);
    }

    public async Task RecordHealthCheckAsync(HealthCheckAttempt attempt, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
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
        });
        await db.SaveChangesAsync(ct);
        await bus.PublishAsync(changes.Events(), ct);
    }

    /// <summary>Stores the gate's decision with the scans it used (seed 03 security_scans), and logs its reasoning on the stage.</summary>
    public async Task RecordGateDecisionAsync(SecurityGateDecision decision, Func<Guid, IReadOnlyList<SecurityScan>>? scans = null,
        CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
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
        await db.SaveChangesAsync(ct);
        await bus.PublishAsync(changes.Events(), ct);
    }

    public async Task RecordMetricAsync(Guid deploymentId, Guid? stageId, string name, double value, string? unit, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        db.DeploymentMetrics.Add(new DeploymentMetric
        {
            Id = Guid.CreateVersion7(), DeploymentId = deploymentId, StageId = stageId, Name = name, Value = value, Unit = unit,
            RecordedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Ends what is overdue: finished wait timers, external and approval stages past their timeout, and stages whose
    /// runner stopped heartbeating (a crashed or killed instance). A stage counts as abandoned when its heartbeat is
    /// older than <paramref name="staleAfter"/>, or sooner when its runner ran on this host and that process is gone.
    /// </summary>
    public async Task<IReadOnlyList<RecoveredStage>> SweepAsync(TimeSpan staleAfter, Func<string, bool>? runnerIsDead = null,
        CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        List<DeploymentStage> due;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            due = await db.DeploymentStages.AsNoTracking()
                .Where(s => s.Status == StageStatus.Running &&
                            ((s.DueAt != null && s.DueAt <= now) || (s.ClaimedBy != null && s.HeartbeatAt != null)))
                .ToListAsync(ct);
        }

        var recovered = new List<RecoveredStage>();
        foreach (var stage in due)
        {
            if (stage.ClaimedBy is { } runner && stage.HeartbeatAt is { } heartbeat)
            {
                var stale = now - heartbeat > staleAfter;
                // A missed beat or two is enough when we can see that the runner's process is gone.
                var deadHere = now - heartbeat > TimeSpan.FromSeconds(5) && runnerIsDead?.Invoke(runner) == true;
                if (!stale && !deadHere)
                {
                    continue;
                }

                var reason = $"The runner {runner} stopped responding (last heartbeat {heartbeat.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC" +
                             (deadHere ? ", its process is gone" : "") + "); the stage was interrupted and is marked failed.";
                if (await EndOverdueAsync(stage.Id, s => s.ClaimedBy == runner && s.HeartbeatAt == heartbeat, StageOutcome.Failed(reason),
                        recovery: true, ct))
                {
                    logger.LogWarning("Recovered stage {StageId} of deployment {DeploymentId}: {Reason}", stage.Id, stage.DeploymentId, reason);
                    recovered.Add(new RecoveredStage(stage.Id, stage.DeploymentId, runner, stage.ProcessId));
                }

                continue;
            }

            var definition = StageDefinition.FromJson(stage.Config);
            var outcome = stage.Kind switch
            {
                StageKind.Wait => StageOutcome.Succeeded(),
                StageKind.External => StageOutcome.Failed($"No external report arrived within {definition.TimeoutSeconds ?? 3600} s."),
                StageKind.Approval => StageOutcome.Failed($"No approval decision within {definition.TimeoutSeconds} s."),
                _ => null,
            };
            if (outcome is not null)
            {
                await EndOverdueAsync(stage.Id, s => s.DueAt != null && s.DueAt <= now, outcome, recovery: false, ct);
            }
        }

        return recovered;
    }

    private async Task<bool> EndOverdueAsync(Guid stageId, Func<DeploymentStage, bool> stillDue, StageOutcome outcome, bool recovery,
        CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var changes = new ChangeSet(db, clock.GetUtcNow());
        var deployment = await LockDeploymentOfStageAsync(db, stageId, ct);
        var stage = deployment is null ? null : await db.DeploymentStages.FirstOrDefaultAsync(s => s.Id == stageId, ct);
        if (deployment is null || stage is null || stage.Status != StageStatus.Running || !stillDue(stage))
        {
            return false;
        }

        if (recovery)
        {
            audit.Add(db, AuditActor.System, AuditActions.DeploymentStageRecovered, ResourceTypes.Deployment,
                deployment.Id.ToString(), new { stage = stage.Name, claimedBy = stage.ClaimedBy, heartbeatAt = stage.HeartbeatAt, reason = outcome.Error });
        }

        await EndStageAsync(changes, deployment, stage, outcome, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await bus.PublishAsync(changes.Events(), ct);
        return true;
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
        db.DeploymentMetrics.Add(new DeploymentMetric
        {
            Id = Guid.CreateVersion7(), DeploymentId = deployment.Id, StageId = stage.Id, Name = $"stage.{stage.Name}.duration",
            Value = Math.Round(stage.DurationMs.Value / 1000.0, 3), Unit = "s", RecordedAt = now,
        });
        var seconds = (stage.DurationMs.Value / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);
        changes.Log(deployment.Id, stage.Id, outcome.Status == StageStatus.Succeeded ? DeploymentLogLevel.Info : DeploymentLogLevel.Error,
            "stage_finished",
            outcome.Status switch
            {
                StageStatus.Succeeded => $"Stage {stage.Name} succeeded in {seconds} s.",
                StageStatus.Cancelled => $"Stage {stage.Name} cancelled after {seconds} s.",
                _ => $"Stage {stage.Name} {outcome.Status.ToString().ToLowerInvariant()} after {seconds} s: {outcome.Error}",
            });
        changes.StageChanged(stage);

        var stages = await StagesOf(db, deployment.Id, ct);
        var release = await db.Releases.FirstAsync(r => r.Id == deployment.ReleaseId, ct);
        if (outcome.Status == StageStatus.Succeeded)
        {
            var next = stages.Where(s => s.Position > stage.Position && s.Status == StageStatus.Pending).MinBy(s => s.Position);
            if (next is null)
            {
                await FinishAsync(changes, deployment, stages, release, DeploymentStatus.Succeeded, null, ct);
            }
            else if (outcome.NextNotBefore is { } notBefore && notBefore > now)
            {
                next.NotBefore = notBefore;
                changes.Log(deployment.Id, next.Id, DeploymentLogLevel.Info, "wait_timer",
                    $"Wait timer: stage {next.Name} starts at {notBefore.UtcDateTime:HH:mm:ss} UTC.");
            }

            return;
        }

        var status = outcome.Status == StageStatus.Cancelled ? DeploymentStatus.Cancelled : outcome.EndDeploymentAs;
        var reason = outcome.Status == StageStatus.Cancelled ? outcome.Error ?? "Cancelled." : $"Stage '{stage.Name}' {Verb(status)}: {outcome.Error}";
        await FinishAsync(changes, deployment, stages, release, status, reason, ct);
    }

    internal Task FinishAsync(ChangeSet changes, Deployment deployment, List<DeploymentStage> stages, Release release, DeploymentStatus status,
        string? reason, CancellationToken ct)
    {
        Finish(changes, deployment, stages, release, status, reason);
        return SettleReleasesAsync(changes, deployment, release, status, ct);
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

        changes.Db.DeploymentMetrics.Add(new DeploymentMetric
        {
            Id = Guid.CreateVersion7(), DeploymentId = deployment.Id, Name = "deployment.duration", Value = deployment.DurationSeconds.Value,
            Unit = "s", RecordedAt = now,
        });
        changes.Log(deployment.Id, null, status == DeploymentStatus.Succeeded ? DeploymentLogLevel.Info : DeploymentLogLevel.Error,
            "deployment_finished", $"Deployment {Verb(status)}" + (reason is null ? "." : $": {reason}"));
        audit.Add(changes.Db, AuditActor.System, AuditActions.DeploymentFinished, ResourceTypes.Deployment,
            deployment.Id.ToString(), new { release = release.Version, status = status.ToString(), reason, deployment.DurationSeconds });
        changes.Raise(new DeploymentEvent(DeploymentEventKind.DeploymentFinished, deployment.Id) { Status = status.ToString(), Message = reason });
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
}
