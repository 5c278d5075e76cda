using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// Brings a deployment's page up to date from its events, without reading the database: the events carry the stage, the
/// deployment's state, the approval, check, gate decision and metrics they are about.
/// </summary>
public static class DeploymentDetailUpdates
{
    /// <summary>
    /// The detail with the event applied; null when the event does not carry what it would take (an older instance sent it,
    /// a rollback changed this deployment's relations): reload then.
    /// </summary>
    public static DeploymentDetail? Apply(this DeploymentDetail detail, DeploymentEvent e)
    {
        if (e.DeploymentId != detail.Deployment.Id)
        {
            return detail;
        }

        var updated = e.Kind switch
        {
            DeploymentEventKind.StageChanged when e.Stage is { } stage => detail with { Stages = Replace(detail.Stages, stage) },
            DeploymentEventKind.DeploymentChanged or DeploymentEventKind.DeploymentFinished when e.Deployment is { } state &&
                state.Status != DeploymentStatus.RolledBack && detail.RolledBackBy is null => WithState(detail, state),
            DeploymentEventKind.ApprovalDecided when e.Approval is { } approval =>
                detail with { Approvals = detail.Approvals.Any(a => a.Id == approval.Id) ? detail.Approvals : [.. detail.Approvals, approval] },
            DeploymentEventKind.HealthCheckRecorded when e.HealthCheck is { } check =>
                detail with { HealthChecks = detail.HealthChecks.Any(h => h.Id == check.Id) ? detail.HealthChecks : [.. detail.HealthChecks, check] },
            DeploymentEventKind.GateDecided when e.Gate is { } gate =>
                detail with { Gates = detail.Gates.Any(g => g.Id == gate.Id) ? detail.Gates : [.. detail.Gates, gate] },
            DeploymentEventKind.MetricRecorded or DeploymentEventKind.ApprovalRequested => detail,
            _ => null,
        };
        if (updated is not null && e.Metrics is { Count: > 0 } metrics)
        {
            updated = updated with { Metrics = [.. updated.Metrics, .. metrics.Where(m => !updated.Metrics.Contains(m))] };
        }

        return updated;
    }

    private static IReadOnlyList<StageRow> Replace(IReadOnlyList<StageRow> stages, StageRow stage) =>
        stages.Any(s => s.Id == stage.Id) ? stages.Select(s => s.Id == stage.Id ? stage : s).ToList() : [.. stages, stage];

    private static DeploymentDetail WithState(DeploymentDetail detail, DeploymentState state) => detail with
    {
        Deployment = detail.Deployment with
        {
            Status = state.Status, StartedAt = state.StartedAt, CompletedAt = state.CompletedAt, DurationSeconds = state.DurationSeconds,
        },
        StatusReason = state.StatusReason,
        DeployedUrl = state.DeployedUrl,
        ImageTag = state.ImageTag,
        ImageSizeMb = state.ImageSizeMb,
        // A rollback deployment's rollback record settles with its end.
        RollbackOf = detail.RollbackOf is { } of && state.Status is DeploymentStatus.Succeeded or DeploymentStatus.Failed or DeploymentStatus.Cancelled
            or DeploymentStatus.Rejected
            ? of with { Status = state.Status == DeploymentStatus.Succeeded ? RollbackStatus.Completed : RollbackStatus.Failed, CompletedAt = state.CompletedAt }
            : detail.RollbackOf,
    };
}
