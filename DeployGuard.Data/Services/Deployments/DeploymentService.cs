using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Pipelines;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// What people do to deployments: start (with every protection rule checked), cancel, roll back, report an external
/// stage, record metrics. Each change is audited in its own transaction and announced on the event bus after commit.
/// </summary>
public sealed class DeploymentService(
    IDbContextFactory<ApplicationDbContext> contextFactory,
    AuditWriter audit,
    DeploymentEngine engine,
    DeploymentEventBus bus,
    TimeProvider clock)
{
    public async Task<Result<DeploymentStarted>> StartAsync(StartDeploymentInput input, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<DeploymentStarted>.Forbidden("Only engineers and admins can start deployments.");
        }

        var errors = InputValidator.Validate(input);
        if (errors.Count > 0)
        {
            return Result<DeploymentStarted>.Invalid(errors);
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var release = await db.Releases.Include(r => r.Service).FirstOrDefaultAsync(r => r.Id == input.ReleaseId, ct);
        var environment = await db.Environments.FirstOrDefaultAsync(e => e.Id == input.EnvironmentId, ct);
        if (release is null)
        {
            errors.Add(nameof(input.ReleaseId), $"Release {input.ReleaseId} does not exist.");
        }

        if (environment is null)
        {
            errors.Add(nameof(input.EnvironmentId), $"Environment {input.EnvironmentId} does not exist.");
        }

        if (errors.Count > 0)
        {
            return Result<DeploymentStarted>.Invalid(errors);
        }

        if (!await TeamAccess.MayOperateAsync(db, release!.ServiceId, caller, ct))
        {
            return Result<DeploymentStarted>.Forbidden(TeamAccess.Denied);
        }

        var overrides = new List<(string Action, object Details)>();
        var check = await ProtectionRules.CheckAsync(db, release!, environment!, now, ct);
        if (check.Blocking is { } blocking)
        {
            errors.Add(blocking.Field, blocking.Message);
        }

        foreach (var (kind, field, message) in check.Overridable)
        {
            if (caller.IsAdmin && !string.IsNullOrWhiteSpace(input.OverrideReason))
            {
                overrides.Add((kind, new { rule = message, reason = input.OverrideReason.Trim() }));
            }
            else
            {
                errors.Add(field, caller.IsAdmin
                    ? $"{message} To deploy anyway, give an override reason."
                    : $"{message} Only an admin can override this.");
            }
        }

        if (errors.Count > 0)
        {
            return Result<DeploymentStarted>.Invalid(errors);
        }

        var pipeline = await db.PipelineDefinitions.AsNoTracking().FirstOrDefaultAsync(p => p.ServiceId == release!.ServiceId, ct);
        var (stages, revision) = PipelineService.Resolve(pipeline, environment!);
        if (stages.Count == 0)
        {
            return Result<DeploymentStarted>.Invalid(nameof(input.EnvironmentId),
                $"The pipeline of {release!.Service!.Name} has no stage that applies to {environment!.Name}.");
        }

        var changes = new ChangeSet(db, now);
        var deployment = await QueueAsync(changes, release!, environment!, stages, revision, input.Strategy, input.Trigger, caller, null, ct);
        audit.Add(db, caller.Actor, AuditActions.DeploymentQueued, ResourceTypes.Deployment, deployment.Id.ToString(),
            new
            {
                service = release!.Service!.Name, release = release.Version, environment = environment!.Name,
                strategy = input.Strategy.ToString(), trigger = input.Trigger.ToString(), pipelineRevision = revision,
                stages = stages.Select(s => s.Name).ToArray(),
            });
        foreach (var (action, details) in overrides)
        {
            audit.Add(db, caller.Actor, action, ResourceTypes.Deployment, deployment.Id.ToString(), details);
            changes.Log(deployment.Id, null, DeploymentLogLevel.Warning, "override", $"Admin override by {caller.UserName}: {input.OverrideReason}");
        }

        await db.SaveChangesAsync(ct);
        await changes.AfterCommitAsync(bus, ct);
        return Result<DeploymentStarted>.Ok(new DeploymentStarted(deployment.Id, deployment.Status));
    }

    /// <summary>Adds a queued deployment with its stages to the change set (not saved).</summary>
    private static async Task<Deployment> QueueAsync(ChangeSet changes, Release release, DeploymentEnvironment environment,
        List<StageDefinition> stages, int revision, DeploymentStrategy strategy, DeploymentTrigger trigger, Caller caller, Guid? previousOverride,
        CancellationToken ct)
    {
        var db = changes.Db;
        var previous = previousOverride ?? await db.Deployments
            .Where(d => d.ServiceId == release.ServiceId && d.EnvironmentId == environment.Id && d.Status == DeploymentStatus.Succeeded && !d.IsDeleted)
            .OrderByDescending(d => d.CompletedAt).Select(d => (Guid?)d.Id).FirstOrDefaultAsync(ct);
        var deployment = new Deployment
        {
            Id = Guid.CreateVersion7(),
            ReleaseId = release.Id,
            ServiceId = release.ServiceId,
            EnvironmentId = environment.Id,
            Strategy = strategy,
            Trigger = trigger,
            TriggeredById = caller.UserId,
            TriggeredByName = caller.UserName,
            PreviousDeploymentId = previous,
            Status = DeploymentStatus.Queued,
            PipelineRevision = revision,
        };
        db.Deployments.Add(deployment);
        var position = 0;
        foreach (var definition in stages)
        {
            db.DeploymentStages.Add(new DeploymentStage
            {
                Id = Guid.CreateVersion7(),
                DeploymentId = deployment.Id,
                Name = definition.Name,
                Kind = definition.Kind,
                Position = position++,
                Status = StageStatus.Pending,
                Config = definition.ToJson(),
            });
        }

        changes.Log(deployment.Id, null, DeploymentLogLevel.Info, "deployment_queued",
            $"{caller.UserName ?? "system"} queued {release.Version} for {environment.Name} ({strategy}, {trigger}); stages: " +
            string.Join(" → ", stages.Select(s => s.Name)) + ".");
        changes.DeploymentChanged(deployment);
        // Its start job runs once this commits; it waits (and is queued again later) while another deployment runs here.
        JobQueue.Enqueue(db, DeploymentEngine.StartJobKind, changes.Now, deployment.Id);
        return deployment;
    }

    public Task<Result<Unit>> CancelAsync(Guid id, CancelInput input, Caller caller, CancellationToken ct = default) =>
        engine.ChangeAsync<Unit>(id, async (changes, deployment) =>
        {
            var db = changes.Db;
            if (!await TeamAccess.MayOperateAsync(db, deployment.ServiceId, caller, ct))
            {
                return Result<Unit>.Forbidden(TeamAccess.Denied);
            }

            var errors = InputValidator.Validate(input);
            if (errors.Count > 0)
            {
                return Result<Unit>.Invalid(errors);
            }

            if (deployment.IsFinished)
            {
                return Result<Unit>.Invalid("", $"This deployment already {DeploymentEngine.Verb(deployment.Status)}; there is nothing to cancel.");
            }

            var reason = $"Cancelled by {caller.UserName}" + (string.IsNullOrWhiteSpace(input.Reason) ? "." : $": {input.Reason.Trim()}");
            var stages = await db.DeploymentStages.Where(s => s.DeploymentId == id).OrderBy(s => s.Position).ToListAsync(ct);
            var release = await db.Releases.FirstAsync(r => r.Id == deployment.ReleaseId, ct);
            deployment.StartedAt ??= changes.Now;
            await engine.FinishAsync(changes, deployment, stages, release, DeploymentStatus.Cancelled, reason, ct);
            audit.Add(db, caller.Actor, AuditActions.DeploymentCancelled, ResourceTypes.Deployment, id.ToString(),
                new { release = release.Version, reason = input.Reason });
            changes.Raise(new DeploymentEvent(DeploymentEventKind.CancelRequested, id) { Message = reason });
            return Result<Unit>.Ok(Unit.Value);
        }, ct, endStageJobs: true);

    public Task<Result<DeploymentStarted>> RollbackAsync(Guid id, RollbackInput input, Caller caller, CancellationToken ct = default) =>
        engine.ChangeAsync<DeploymentStarted>(id, async (changes, deployment) =>
        {
            var db = changes.Db;
            if (!await TeamAccess.MayOperateAsync(db, deployment.ServiceId, caller, ct))
            {
                return Result<DeploymentStarted>.Forbidden(TeamAccess.Denied);
            }

            var errors = InputValidator.Validate(input);
            if (errors.Count > 0)
            {
                return Result<DeploymentStarted>.Invalid(errors);
            }

            if (deployment.Status is not (DeploymentStatus.Succeeded or DeploymentStatus.Failed))
            {
                return Result<DeploymentStarted>.Invalid("", deployment.Status switch
                {
                    DeploymentStatus.Queued or DeploymentStatus.Running => "This deployment is still in progress: cancel it instead.",
                    DeploymentStatus.RolledBack => "This deployment has already been rolled back.",
                    _ => $"This deployment {DeploymentEngine.Verb(deployment.Status)}; only succeeded or failed deployments are rolled back.",
                });
            }

            var environment = await db.Environments.FirstAsync(e => e.Id == deployment.EnvironmentId, ct);
            var release = await db.Releases.Include(r => r.Service).FirstAsync(r => r.Id == deployment.ReleaseId, ct);
            if (deployment.PreviousDeploymentId is null)
            {
                // Nothing had succeeded here before it, so there is no earlier state to put back; another release is a
                // new deployment, not a rollback (and a rollback would block this release in the environment).
                return Result<DeploymentStarted>.Invalid("", $"Nothing to roll back to: this was the first deployment of {release.Service!.Name} " +
                    $"to {environment.Name}. Deploy another release instead.");
            }

            Release? target;
            if (input.TargetReleaseId is { } targetId)
            {
                target = await db.Releases.Include(r => r.Service).FirstOrDefaultAsync(r => r.Id == targetId, ct);
                if (target is null || target.ServiceId != release.ServiceId)
                {
                    return Result<DeploymentStarted>.Invalid(nameof(input.TargetReleaseId), $"{release.Service!.Name} has no release {targetId}.");
                }

                if (target.Id == release.Id)
                {
                    return Result<DeploymentStarted>.Invalid(nameof(input.TargetReleaseId), "Choose a different release than the one rolled back.");
                }
            }
            else
            {
                target = await db.Deployments
                    .Where(d => d.ServiceId == release.ServiceId && d.EnvironmentId == environment.Id && d.ReleaseId != release.Id &&
                                (d.Status == DeploymentStatus.Succeeded || d.Status == DeploymentStatus.RolledBack) && d.CompletedAt != null)
                    .Where(d => !db.BlockedReleases.Any(b => b.EnvironmentId == environment.Id && b.ReleaseId == d.ReleaseId && b.UnblockedAt == null))
                    .OrderByDescending(d => d.CompletedAt).Select(d => d.Release).FirstOrDefaultAsync(ct);
                if (target is null)
                {
                    return Result<DeploymentStarted>.Invalid(nameof(input.TargetReleaseId),
                        $"No other release of {release.Service!.Name} has succeeded in {environment.Name}; choose the release to roll back to.");
                }

                target.Service = release.Service;
            }

            if (await db.BlockedReleases.AnyAsync(b => b.EnvironmentId == environment.Id && b.ReleaseId == target.Id && b.UnblockedAt == null, ct))
            {
                return Result<DeploymentStarted>.Invalid(nameof(input.TargetReleaseId),
                    $"Release {target.Version} is blocked in {environment.Name}; unblock it first or choose another.");
            }

            var reason = input.Reason.Trim();
            deployment.Status = DeploymentStatus.RolledBack;
            deployment.StatusReason = $"Rolled back to {target.Version} by {caller.UserName}: {reason}";
            release.Status = ReleaseStatus.RolledBack;
            var rollback = new Rollback
            {
                Id = Guid.CreateVersion7(), DeploymentId = deployment.Id, TargetReleaseId = target.Id, Reason = reason, Status = RollbackStatus.InProgress,
                InitiatedById = caller.UserId, InitiatedByName = caller.UserName,
            };
            db.Rollbacks.Add(rollback);
            if (!await db.BlockedReleases.AnyAsync(b => b.EnvironmentId == environment.Id && b.ReleaseId == release.Id && b.UnblockedAt == null, ct))
            {
                db.BlockedReleases.Add(new BlockedRelease
                {
                    Id = Guid.CreateVersion7(), EnvironmentId = environment.Id, ReleaseId = release.Id, RollbackId = rollback.Id,
                    Reason = $"Rolled back: {reason}", BlockedByName = caller.UserName, BlockedAt = changes.Now,
                });
                audit.Add(db, caller.Actor, AuditActions.ReleaseBlocked, ResourceTypes.Release, release.Id.ToString(),
                    new { release = release.Version, environment = environment.Name, reason });
            }

            // The rollback runs the target's pipeline like any deployment (approvals included), but freeze windows and the
            // promotion order do not stop it: it puts back what already ran here.
            var pipeline = await db.PipelineDefinitions.AsNoTracking().FirstOrDefaultAsync(p => p.ServiceId == release.ServiceId, ct);
            var (stages, revision) = PipelineService.Resolve(pipeline, environment);
            var next = await QueueAsync(changes, target, environment, stages, revision, deployment.Strategy, DeploymentTrigger.Manual, caller,
                deployment.Id, ct);
            rollback.RollbackDeploymentId = next.Id;
            changes.Log(deployment.Id, null, DeploymentLogLevel.Warning, "rolled_back",
                $"{caller.UserName} rolled back to {target.Version}: {reason}. Release {release.Version} is now blocked in {environment.Name}.");
            changes.Log(next.Id, null, DeploymentLogLevel.Info, "rollback", $"Rollback from {release.Version} (deployment {deployment.Id}): {reason}");
            changes.DeploymentChanged(deployment);
            audit.Add(db, caller.Actor, AuditActions.DeploymentRolledBack, ResourceTypes.Deployment, id.ToString(),
                new { from = release.Version, to = target.Version, environment = environment.Name, reason, rollbackId = rollback.Id, newDeploymentId = next.Id });
            return Result<DeploymentStarted>.Ok(new DeploymentStarted(next.Id, next.Status) { RollbackId = rollback.Id });
        }, ct);

    public async Task<Result<Unit>> ReportExternalAsync(Guid id, string stageName, ExternalReportInput input, Caller caller,
        CancellationToken ct = default)
    {
        var result = await engine.ChangeAsync<Unit>(id, async (changes, deployment) =>
        {
            var db = changes.Db;
            if (!await TeamAccess.MayOperateAsync(db, deployment.ServiceId, caller, ct))
            {
                return Result<Unit>.Forbidden(TeamAccess.Denied);
            }

            var stage = await db.DeploymentStages.FirstOrDefaultAsync(s => s.DeploymentId == id && s.Name == stageName, ct);
            if (stage is null)
            {
                return Result<Unit>.NotFound($"Deployment {id} has no stage '{stageName}'.");
            }

            var errors = InputValidator.Validate(input);
            if (errors.Count > 0)
            {
                return Result<Unit>.Invalid(errors);
            }

            if (stage.Kind != StageKind.External)
            {
                return Result<Unit>.Invalid("", $"Stage '{stageName}' is a {PipelineYaml.KindName(stage.Kind)} stage; only external stages take reports.");
            }

            if (stage.Status != StageStatus.Running)
            {
                return Result<Unit>.Invalid("", $"Stage '{stageName}' is {stage.Status.ToString().ToLowerInvariant()}, not waiting for a report.");
            }

            var message = string.IsNullOrWhiteSpace(input.Message) ? null : input.Message.Trim();
            changes.Log(id, stage.Id, input.Succeeded == true ? DeploymentLogLevel.Info : DeploymentLogLevel.Error, "external_report",
                $"{caller.UserName} reported {(input.Succeeded == true ? "success" : "failure")}" + (message is null ? "." : $": {message}"));
            await engine.EndStageAsync(changes, deployment, stage,
                input.Succeeded == true ? StageOutcome.Succeeded() : StageOutcome.Failed(message ?? "The external system reported a failure."), ct);
            audit.Add(db, caller.Actor, AuditActions.DeploymentExternalReported, ResourceTypes.Deployment, id.ToString(),
                new { stage = stageName, succeeded = input.Succeeded, message });
            return Result<Unit>.Ok(Unit.Value);
        }, ct);

        // The refused change was rolled back with the rest; the refusal itself is recorded on its own.
        return result.Status == ResultStatus.Forbidden
            ? await DeniedAsync(id, "stage_result", new { stage = stageName, succeeded = input.Succeeded }, caller, ct)
            : result;
    }

    public async Task<Result<Unit>> RecordMetricAsync(Guid id, MetricInput input, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var serviceId = await db.Deployments.Where(d => d.Id == id && !d.IsDeleted).Select(d => (Guid?)d.ServiceId).FirstOrDefaultAsync(ct);
        if (serviceId is null)
        {
            return Result<Unit>.NotFound($"Deployment {id} does not exist.");
        }

        if (!await TeamAccess.MayOperateAsync(db, serviceId.Value, caller, ct))
        {
            return await DeniedAsync(id, "metric", new { input.Name, input.Value, input.Unit }, caller, ct);
        }

        var errors = InputValidator.Validate(input);
        if (input.Value is { } v && (double.IsNaN(v) || double.IsInfinity(v)))
        {
            errors.Add(nameof(input.Value), "Value must be a finite number.");
        }

        if (errors.Count > 0)
        {
            return Result<Unit>.Invalid(errors);
        }

        var changes = new ChangeSet(db, clock.GetUtcNow());
        db.DeploymentMetrics.Add(changes.Metric(id, null, input.Name, input.Value!.Value, input.Unit, out var row));
        changes.Raise(new DeploymentEvent(DeploymentEventKind.MetricRecorded, id) { Metrics = [row] });
        audit.Add(db, caller.Actor, AuditActions.DeploymentMetricRecorded, ResourceTypes.Deployment, id.ToString(),
            new { input.Name, input.Value, input.Unit });
        await db.SaveChangesAsync(ct);
        await changes.AfterCommitAsync(bus, ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    /// <summary>
    /// A refused report (another team's engineer, a token scoped to another service): 403 and nothing changes but the
    /// audit trail, which records who tried what (CloudTrail records denied calls too).
    /// </summary>
    private async Task<Result<Unit>> DeniedAsync(Guid deploymentId, string operation, object attempted, Caller caller, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        audit.Add(db, caller.Actor, AuditActions.DeploymentAccessDenied, ResourceTypes.Deployment,
            deploymentId.ToString(), new { operation, attempted, tokenScope = caller.ServiceScope });
        await db.SaveChangesAsync(ct);
        return Result<Unit>.Forbidden(caller.ServiceScope is null
            ? "Only admins and engineers of the service's team (or a CI token of that service) can report on its deployments."
            : "This token is limited to another service.");
    }

    /// <summary>Soft delete (seed 04): hidden from lists, kept for the audit trail. Admins only, finished deployments only.</summary>
    public async Task<Result<Unit>> DeleteAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var deployment = await db.Deployments.FirstOrDefaultAsync(d => d.Id == id && !d.IsDeleted, ct);
        if (deployment is null)
        {
            return Result<Unit>.NotFound($"Deployment {id} does not exist.");
        }

        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins can delete deployments.");
        }

        if (!deployment.IsFinished)
        {
            return Result<Unit>.Invalid("", "A deployment in progress cannot be deleted: cancel it first.");
        }

        deployment.IsDeleted = true;
        deployment.DeletedAt = clock.GetUtcNow();
        audit.Add(db, caller.Actor, AuditActions.DeploymentDeleted, ResourceTypes.Deployment, id.ToString(),
            new { status = deployment.Status.ToString() });
        await db.SaveChangesAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }
}

public sealed record DeploymentStarted(Guid DeploymentId, DeploymentStatus Status)
{
    public Guid? RollbackId { get; init; }
}
