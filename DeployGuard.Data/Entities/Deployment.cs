using System.Text.Json.Serialization;

namespace DeployGuard.Data.Entities;

/// <summary>One attempt to put a release on an environment (seed 03/04/05 deployments).</summary>
public class Deployment : IAuditableEntity
{
    public Guid Id { get; set; }
    public Guid ReleaseId { get; set; }
    public Release? Release { get; set; }
    /// <summary>Copied from the release so "one running deployment per service and environment" is a unique index.</summary>
    public Guid ServiceId { get; set; }
    public Service? Service { get; set; }
    public Guid EnvironmentId { get; set; }
    public DeploymentEnvironment? Environment { get; set; }
    public DeploymentStrategy Strategy { get; set; }
    public DeploymentTrigger Trigger { get; set; }
    public string? TriggeredById { get; set; }
    public string? TriggeredByName { get; set; }
    /// <summary>The deployment that was live on this service and environment when this one was queued.</summary>
    public Guid? PreviousDeploymentId { get; set; }
    public Deployment? PreviousDeployment { get; set; }
    public DeploymentStatus Status { get; set; }
    /// <summary>Why it ended the way it did (failed stage, rejection, cancellation, crash recovery).</summary>
    public string? StatusReason { get; set; }
    public int PipelineRevision { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public double? DurationSeconds { get; set; }
    public string? DeployedUrl { get; set; }
    public string? ImageTag { get; set; }
    public double? ImageSizeMb { get; set; }
    public bool IsDeleted { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<DeploymentStage> Stages { get; set; } = [];

    public bool IsFinished => Status is not (DeploymentStatus.Queued or DeploymentStatus.Running);
}

[JsonConverter(typeof(JsonStringEnumConverter<DeploymentStatus>))]
public enum DeploymentStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Rejected,
    Cancelled,
    RolledBack,
}

[JsonConverter(typeof(JsonStringEnumConverter<DeploymentStrategy>))]
public enum DeploymentStrategy
{
    Rolling,
    Canary,
    BlueGreen,
}

[JsonConverter(typeof(JsonStringEnumConverter<DeploymentTrigger>))]
public enum DeploymentTrigger
{
    Manual,
    Webhook,
    Scheduled,
}
