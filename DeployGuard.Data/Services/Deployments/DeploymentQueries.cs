using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Deployments;

public sealed record DeploymentRow(Guid Id, Guid ServiceId, string ServiceName, Guid ReleaseId, string Version, Guid EnvironmentId,
    string EnvironmentName, DeploymentStatus Status, DeploymentStrategy Strategy, DeploymentTrigger Trigger, string? TriggeredByName,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, double? DurationSeconds);

public sealed record StageRow(Guid Id, string Name, StageKind Kind, int Position, StageStatus Status, DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt, long? DurationMs, int? ExitCode, string? Error, string? ClaimedBy, DateTimeOffset? NotBefore, DateTimeOffset? DueAt)
{
    public static StageRow Of(DeploymentStage s) =>
        new(s.Id, s.Name, s.Kind, s.Position, s.Status, s.StartedAt, s.CompletedAt, s.DurationMs, s.ExitCode, s.Error, s.ClaimedBy, s.NotBefore, s.DueAt);
}

public sealed record HealthCheckRow(Guid Id, Guid StageId, HealthCheckType CheckType, string Url, int? StatusCode, int? LatencyMs, bool Healthy,
    string? BodyExcerpt, int Attempt, int MaxAttempts, string? Error, DateTimeOffset CheckedAt);

public sealed record GateRow(Guid Id, Guid StageId, string? CommitSha, GateDecision Decision, string Reason, SecurityPolicy Policy,
    bool ScanResultsFound, DateTimeOffset DecidedAt);

public sealed record MetricRow(string Name, double Value, string? Unit, DateTimeOffset RecordedAt);

public sealed record RollbackRow(Guid Id, Guid DeploymentId, Guid TargetReleaseId, string TargetVersion, Guid? RollbackDeploymentId, string Reason,
    RollbackStatus Status, string? InitiatedByName, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

public sealed record DeploymentDetail(DeploymentRow Deployment, string? StatusReason, Guid? PreviousDeploymentId, string? PreviousVersion,
    string? CommitSha, string? Branch, string? DeployedUrl, string? ImageTag, double? ImageSizeMb, bool EnvironmentProtected, int PipelineRevision,
    string? TriggeredById, IReadOnlyList<StageRow> Stages, IReadOnlyList<ApprovalRow> Approvals, IReadOnlyList<HealthCheckRow> HealthChecks,
    IReadOnlyList<GateRow> Gates, IReadOnlyList<MetricRow> Metrics, RollbackRow? RolledBackBy, RollbackRow? RollbackOf);

public sealed record DeploymentQuery : ListQuery
{
    public Guid? ServiceId { get; init; }
    public Guid? EnvironmentId { get; init; }
    public Guid? ReleaseId { get; init; }
    public DeploymentStatus? Status { get; init; }
}

/// <summary>The services × environments board: what is live where, and what is happening.</summary>
public sealed record BoardCell(Guid DeploymentId, string Version, DeploymentStatus Status, DateTimeOffset At, string? LiveVersion,
    Guid? LiveDeploymentId);

public sealed record BoardRow(Guid ServiceId, string ServiceName, IReadOnlyDictionary<Guid, BoardCell> Cells);

public sealed record Board(IReadOnlyList<(Guid Id, string Name, bool IsProtected)> Environments, IReadOnlyList<BoardRow> Rows);

public sealed class DeploymentQueries(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    public async Task<Paged<DeploymentRow>> ListAsync(DeploymentQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var deployments = db.Deployments.AsNoTracking().Where(d => !d.IsDeleted);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            deployments = deployments.Where(Like.Contains<Deployment>(query.Search, d => d.Service!.Name, d => d.Release!.Version, d => d.TriggeredByName));
        }

        if (query.ServiceId is { } serviceId)
        {
            deployments = deployments.Where(d => d.ServiceId == serviceId);
        }

        if (query.EnvironmentId is { } environmentId)
        {
            deployments = deployments.Where(d => d.EnvironmentId == environmentId);
        }

        if (query.ReleaseId is { } releaseId)
        {
            deployments = deployments.Where(d => d.ReleaseId == releaseId);
        }

        if (query.Status is { } status)
        {
            deployments = deployments.Where(d => d.Status == status);
        }

        var total = await deployments.CountAsync(ct);
        deployments = (query.SortBy, query.Descending) switch
        {
            (nameof(DeploymentRow.ServiceName), false) => deployments.OrderBy(d => d.Service!.Name).ThenByDescending(d => d.CreatedAt),
            (nameof(DeploymentRow.ServiceName), true) => deployments.OrderByDescending(d => d.Service!.Name).ThenByDescending(d => d.CreatedAt),
            (nameof(DeploymentRow.EnvironmentName), false) => deployments.OrderBy(d => d.Environment!.SortOrder).ThenByDescending(d => d.CreatedAt),
            (nameof(DeploymentRow.EnvironmentName), true) => deployments.OrderByDescending(d => d.Environment!.SortOrder).ThenByDescending(d => d.CreatedAt),
            (nameof(DeploymentRow.Status), false) => deployments.OrderBy(d => d.Status).ThenByDescending(d => d.CreatedAt),
            (nameof(DeploymentRow.Status), true) => deployments.OrderByDescending(d => d.Status).ThenByDescending(d => d.CreatedAt),
            (nameof(DeploymentRow.DurationSeconds), false) => deployments.OrderBy(d => d.DurationSeconds),
            (nameof(DeploymentRow.DurationSeconds), true) => deployments.OrderByDescending(d => d.DurationSeconds),
            (nameof(DeploymentRow.CreatedAt), false) => deployments.OrderBy(d => d.CreatedAt),
            _ => deployments.OrderByDescending(d => d.CreatedAt),
        };
        var items = await deployments.Skip(query.SafeSkip).Take(query.SafeTake).Select(d => new DeploymentRow(d.Id, d.ServiceId, d.Service!.Name,
            d.ReleaseId, d.Release!.Version, d.EnvironmentId, d.Environment!.Name, d.Status, d.Strategy, d.Trigger, d.TriggeredByName, d.CreatedAt,
            d.StartedAt, d.CompletedAt, d.DurationSeconds)).ToListAsync(ct);
        return new Paged<DeploymentRow>(items, total);
    }

    public async Task<DeploymentDetail?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var d = await db.Deployments.AsNoTracking().Include(x => x.Release).Include(x => x.Service).Include(x => x.Environment)
            .FirstOrDefaultAsync(x => x.Id == id && !x.IsDeleted, ct);
        if (d is null)
        {
            return null;
        }

        var row = new DeploymentRow(d.Id, d.ServiceId, d.Service!.Name, d.ReleaseId, d.Release!.Version, d.EnvironmentId, d.Environment!.Name,
            d.Status, d.Strategy, d.Trigger, d.TriggeredByName, d.CreatedAt, d.StartedAt, d.CompletedAt, d.DurationSeconds);
        var previousVersion = d.PreviousDeploymentId is { } previous
            ? await db.Deployments.Where(x => x.Id == previous).Select(x => x.Release!.Version).FirstOrDefaultAsync(ct)
            : null;
        var approvals = await db.Approvals.AsNoTracking().Where(a => a.DeploymentId == id).OrderBy(a => a.DecidedAt)
            .Select(a => new ApprovalRow(a.Id, a.ApproverName, a.Decision, a.Notes, a.DecidedAt)).ToListAsync(ct);
        var checks = await db.HealthCheckAttempts.AsNoTracking().Where(h => h.DeploymentId == id).OrderBy(h => h.CheckedAt)
            .Select(h => new HealthCheckRow(h.Id, h.StageId, h.CheckType, h.Url, h.StatusCode, h.LatencyMs, h.Healthy, h.BodyExcerpt, h.Attempt,
                h.MaxAttempts, h.Error, h.CheckedAt)).ToListAsync(ct);
        var gates = await db.SecurityGateDecisions.AsNoTracking().Where(g => g.DeploymentId == id).OrderBy(g => g.DecidedAt)
            .Select(g => new GateRow(g.Id, g.StageId, g.CommitSha, g.Decision, g.Reason, g.Policy, g.ScanResultsFound, g.DecidedAt)).ToListAsync(ct);
        var metrics = await db.DeploymentMetrics.AsNoTracking().Where(m => m.DeploymentId == id).OrderBy(m => m.RecordedAt)
            .Select(m => new MetricRow(m.Name, m.Value, m.Unit, m.RecordedAt)).ToListAsync(ct);
        var rolledBackBy = await db.Rollbacks.AsNoTracking().Where(r => r.DeploymentId == id).OrderByDescending(r => r.CreatedAt)
            .Select(RollbackProjection).FirstOrDefaultAsync(ct);
        var rollbackOf = await db.Rollbacks.AsNoTracking().Where(r => r.RollbackDeploymentId == id).Select(RollbackProjection).FirstOrDefaultAsync(ct);
        return new DeploymentDetail(row, d.StatusReason, d.PreviousDeploymentId, previousVersion, d.Release.CommitSha, d.Release.Branch, d.DeployedUrl,
            d.ImageTag, d.ImageSizeMb, d.Environment.IsProtected, d.PipelineRevision, d.TriggeredById, await StagesAsync(db, id, ct), approvals, checks,
            gates, metrics, rolledBackBy, rollbackOf);
    }

    public async Task<bool> ExistsAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Deployments.AnyAsync(d => d.Id == id && !d.IsDeleted, ct);
    }

    /// <summary>The service of a deployment, or null when there is no such deployment (for scope checks).</summary>
    public async Task<Guid?> ServiceOfAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Deployments.Where(d => d.Id == id && !d.IsDeleted).Select(d => (Guid?)d.ServiceId).FirstOrDefaultAsync(ct);
    }

    public async Task<IReadOnlyList<StageRow>> StagesAsync(Guid deploymentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await StagesAsync(db, deploymentId, ct);
    }

    private static Task<List<StageRow>> StagesAsync(ApplicationDbContext db, Guid deploymentId, CancellationToken ct) =>
        db.DeploymentStages.AsNoTracking().Where(s => s.DeploymentId == deploymentId).OrderBy(s => s.Position)
            .Select(s => new StageRow(s.Id, s.Name, s.Kind, s.Position, s.Status, s.StartedAt, s.CompletedAt, s.DurationMs, s.ExitCode, s.Error,
                s.ClaimedBy, s.NotBefore, s.DueAt))
            .ToListAsync(ct);

    // Filters go before this projection: EF cannot translate a Where on a record built by its constructor.
    private static readonly System.Linq.Expressions.Expression<Func<Rollback, RollbackRow>> RollbackProjection =
        r => new RollbackRow(r.Id, r.DeploymentId, r.TargetReleaseId, r.TargetRelease!.Version, r.RollbackDeploymentId, r.Reason, r.Status,
            r.InitiatedByName, r.CreatedAt, r.CompletedAt);

    /// <summary>For each service and environment: the latest deployment, and the version that last succeeded there.</summary>
    public async Task<Board> BoardAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var environments = await db.Environments.AsNoTracking().OrderBy(e => e.SortOrder).ThenBy(e => e.Name)
            .Select(e => new { e.Id, e.Name, e.IsProtected }).ToListAsync(ct);
        var services = await db.Services.AsNoTracking().OrderBy(s => s.Name).Select(s => new { s.Id, s.Name }).ToListAsync(ct);
        // One index probe per service × environment (ix (environment_id, service_id, created_at), read backwards) instead
        // of sorting the whole history: the board stays fast with millions of deployments. Deployments of one service and
        // environment run one at a time, so the newest succeeded by creation is also the newest by completion.
        var latest = await db.Database.SqlQuery<BoardFact>(
            $"""
            SELECT s.id AS "ServiceId", e.id AS "EnvironmentId", d.id AS "DeploymentId", r.version AS "Version",
                   d.status AS "Status", coalesce(d.completed_at, d.started_at, d.created_at) AS "At"
            FROM services s CROSS JOIN environments e
            CROSS JOIN LATERAL (
                SELECT id, release_id, status, completed_at, started_at, created_at FROM deployments
                WHERE service_id = s.id AND environment_id = e.id AND NOT is_deleted
                ORDER BY created_at DESC LIMIT 1) d
            JOIN releases r ON r.id = d.release_id
            """).ToListAsync(ct);
        var live = await db.Database.SqlQuery<BoardFact>(
            $"""
            SELECT s.id AS "ServiceId", e.id AS "EnvironmentId", d.id AS "DeploymentId", r.version AS "Version",
                   d.status AS "Status", d.completed_at AS "At"
            FROM services s CROSS JOIN environments e
            CROSS JOIN LATERAL (
                SELECT id, release_id, status, completed_at FROM deployments
                WHERE service_id = s.id AND environment_id = e.id AND NOT is_deleted AND status = 'Succeeded'
                ORDER BY created_at DESC LIMIT 1) d
            JOIN releases r ON r.id = d.release_id
            """).ToListAsync(ct);
        var liveByKey = live.ToDictionary(l => (l.ServiceId, l.EnvironmentId));
        var rows = services.Select(s => new BoardRow(s.Id, s.Name, latest.Where(l => l.ServiceId == s.Id).ToDictionary(
            l => l.EnvironmentId,
            l =>
            {
                var current = liveByKey.GetValueOrDefault((l.ServiceId, l.EnvironmentId));
                return new BoardCell(l.DeploymentId, l.Version, Enum.Parse<DeploymentStatus>(l.Status), l.At, current?.Version, current?.DeploymentId);
            }))).ToList();
        return new Board(environments.Select(e => (e.Id, e.Name, e.IsProtected)).ToList(), rows);
    }

    private sealed record BoardFact(Guid ServiceId, Guid EnvironmentId, Guid DeploymentId, string Version, string Status, DateTimeOffset At);
}
