using System.Text.Json.Serialization;

namespace DeployGuard.Data.Entities;

/// <summary>
/// One step of a deployment's pipeline (seed 04/05 stages). Runners claim runnable stages through
/// their jobs (docs/decisions/0013); <see cref="ClaimedBy"/> names the runner that executes it.
/// </summary>
public class DeploymentStage : IAuditableEntity
{
    public Guid Id { get; set; }
    public Guid DeploymentId { get; set; }
    public Deployment? Deployment { get; set; }
    public string Name { get; set; } = "";
    public StageKind Kind { get; set; }
    public int Position { get; set; }
    public StageStatus Status { get; set; }
    /// <summary>The stage's settings from the pipeline YAML (JSON).</summary>
    public string Config { get; set; } = "{}";
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public long? DurationMs { get; set; }
    public int? ExitCode { get; set; }
    public string? Error { get; set; }
    /// <summary>The runner executing the stage ("host/pid/guid"); null for stages that wait on people or timers.</summary>
    public string? ClaimedBy { get; set; }
    /// <summary>The stage may not start before this time (the environment's wait timer after approval).</summary>
    public DateTimeOffset? NotBefore { get; set; }
    /// <summary>When a waiting stage is due: the end of a wait timer, or the timeout of an external or approval stage.</summary>
    public DateTimeOffset? DueAt { get; set; }
    /// <summary>Process group of a running command, so a restarted runner on the same host can kill what a crash left behind.</summary>
    public int? ProcessId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public bool IsFinished => Status is not (StageStatus.Pending or StageStatus.Running);
}

[JsonConverter(typeof(JsonStringEnumConverter<StageKind>))]
public enum StageKind
{
    Command,
    Approval,
    HealthCheck,
    SecurityGate,
    External,
    Wait,
    /// <summary>Runs scanners and/or imports a report for the release, then gates it like <see cref="SecurityGate"/>.</summary>
    SecurityScan,
}

[JsonConverter(typeof(JsonStringEnumConverter<StageStatus>))]
public enum StageStatus
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
}
