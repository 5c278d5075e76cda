using System.Text.Json.Serialization;

namespace DeployGuard.Data.Entities;

/// <summary>A rollback from a deployment to an earlier release, carried out by a new deployment (seed 05 rollbacks).</summary>
public class Rollback : IAuditableEntity
{
    public Guid Id { get; set; }
    /// <summary>The deployment rolled back from.</summary>
    public Guid DeploymentId { get; set; }
    public Deployment? Deployment { get; set; }
    public Guid TargetReleaseId { get; set; }
    public Release? TargetRelease { get; set; }
    /// <summary>The new deployment that puts the target release back.</summary>
    public Guid? RollbackDeploymentId { get; set; }
    public Deployment? RollbackDeployment { get; set; }
    public string Reason { get; set; } = "";
    public RollbackStatus Status { get; set; }
    public string? InitiatedById { get; set; }
    public string? InitiatedByName { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<RollbackStatus>))]
public enum RollbackStatus
{
    InProgress,
    Completed,
    Failed,
}
