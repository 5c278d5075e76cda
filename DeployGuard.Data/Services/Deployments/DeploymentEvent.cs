using System.Text.Json.Serialization;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Events;

namespace DeployGuard.Data.Services.Deployments;

public enum DeploymentEventKind
{
    /// <summary>Queued, started, rolled back, or a detail (URL, image) changed: <see cref="DeploymentEvent.Deployment"/> has the new state.</summary>
    DeploymentChanged,
    /// <summary>A stage started, waits or ended: <see cref="DeploymentEvent.Stage"/> has the stage as a page shows it.</summary>
    StageChanged,
    LogAppended,
    DeploymentFinished,
    /// <summary>An approval stage started waiting: the inbox badge and toast.</summary>
    ApprovalRequested,
    /// <summary>Someone approved or rejected: <see cref="DeploymentEvent.Approval"/>.</summary>
    ApprovalDecided,
    /// <summary>A health-check attempt: <see cref="DeploymentEvent.HealthCheck"/>.</summary>
    HealthCheckRecorded,
    /// <summary>The security gate decided: <see cref="DeploymentEvent.Gate"/>.</summary>
    GateDecided,
    /// <summary>A metric was recorded (by a command or the API): <see cref="DeploymentEvent.Metrics"/>.</summary>
    MetricRecorded,
    /// <summary>Runners must stop the deployment's running command.</summary>
    CancelRequested,
    /// <summary>
    /// Events of other instances may have been missed (this instance's LISTEN connection was lost and is back): every
    /// subscriber, whatever deployment it watches, reloads what it shows. Local only, never sent over NOTIFY.
    /// </summary>
    Resync,
}

/// <summary>
/// Something happened to a deployment, with what an open page needs to show it without reading the database again.
/// Crosses instances as JSON through PostgreSQL NOTIFY (under 8000 bytes), so log events carry only the id range; the
/// receiving instance reads the lines once for its local subscribers.
/// </summary>
public sealed record DeploymentEvent(DeploymentEventKind Kind, Guid DeploymentId) : BusEvent
{
    [JsonIgnore]
    public override Guid? EntityId => Kind == DeploymentEventKind.Resync ? null : DeploymentId;

    public Guid? StageId { get; init; }
    public string? StageName { get; init; }
    public string? Status { get; init; }
    public string? Message { get; init; }
    public long FirstLogId { get; init; }
    public long LastLogId { get; init; }

    /// <summary>The stage as it is now (StageChanged).</summary>
    public StageRow? Stage { get; init; }

    /// <summary>The deployment's state as it is now (DeploymentChanged, DeploymentFinished).</summary>
    public DeploymentState? Deployment { get; init; }

    public ApprovalRow? Approval { get; init; }
    public HealthCheckRow? HealthCheck { get; init; }
    public GateRow? Gate { get; init; }

    /// <summary>Metrics recorded with the change (a finished stage's duration, the deployment's, a command's ##dg metric).</summary>
    public IReadOnlyList<MetricRow>? Metrics { get; init; }

    /// <summary>The new lines of a LogAppended event; never sent over NOTIFY.</summary>
    [JsonIgnore]
    public IReadOnlyList<LogLine>? Lines { get; init; }
}

/// <summary>What a deployment's page shows of the deployment itself, carried by its events.</summary>
public sealed record DeploymentState(DeploymentStatus Status, string? StatusReason, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    double? DurationSeconds, string? DeployedUrl, string? ImageTag, double? ImageSizeMb)
{
    public static DeploymentState Of(Deployment d) =>
        new(d.Status, d.StatusReason, d.StartedAt, d.CompletedAt, d.DurationSeconds, d.DeployedUrl, d.ImageTag, d.ImageSizeMb);
}

/// <summary>A log line as shown to readers.</summary>
public sealed record LogLine(long Id, Guid? StageId, DateTimeOffset Timestamp, DeploymentLogLevel Level, DeploymentLogSource Source, string? EventType,
    string Message);
