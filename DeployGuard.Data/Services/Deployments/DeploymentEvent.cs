using System.Text.Json.Serialization;
using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Deployments;

public enum DeploymentEventKind
{
    /// <summary>Queued, started, or a detail (URL, image) changed.</summary>
    DeploymentChanged,
    StageChanged,
    LogAppended,
    DeploymentFinished,
    /// <summary>An approval stage started waiting: the inbox badge and toast.</summary>
    ApprovalRequested,
    /// <summary>Someone approved or rejected.</summary>
    ApprovalDecided,
    HealthCheckRecorded,
    /// <summary>Runners must stop the deployment's running command.</summary>
    CancelRequested,
    /// <summary>
    /// This instance's LISTEN connection was lost and is back: events of other instances may have been missed, so every
    /// subscriber (whatever deployment it watches) reloads what it shows. Local only, never sent over NOTIFY.
    /// </summary>
    Resync,
}

/// <summary>
/// Something happened to a deployment. Crosses instances as JSON through PostgreSQL NOTIFY (payload under 8000 bytes),
/// so log events carry only the id range; the receiving instance reads the lines once for its local subscribers.
/// </summary>
public sealed record DeploymentEvent(DeploymentEventKind Kind, Guid DeploymentId)
{
    public Guid? StageId { get; init; }
    public string? StageName { get; init; }
    public string? Status { get; init; }
    public string? Message { get; init; }
    public long FirstLogId { get; init; }
    public long LastLogId { get; init; }
    public DateTimeOffset At { get; init; }
    /// <summary>The instance that published it (to ignore our own notifications).</summary>
    public string? Origin { get; init; }

    /// <summary>The new lines of a LogAppended event; never sent over NOTIFY.</summary>
    [JsonIgnore]
    public IReadOnlyList<LogLine>? Lines { get; init; }
}

/// <summary>A log line as shown to readers.</summary>
public sealed record LogLine(long Id, Guid? StageId, DateTimeOffset Timestamp, DeploymentLogLevel Level, DeploymentLogSource Source, string? EventType,
    string Message);
