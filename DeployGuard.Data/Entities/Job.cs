namespace DeployGuard.Data.Entities;

/// <summary>
/// A claim on work (a deployment stage, a scan, a cleaning, a timer ...): the one queue every worker takes from
/// (docs/decisions/0013). The row it is about (<see cref="SubjectId"/>) keeps its own status for people; this row says
/// who works on it and whether that worker is alive.
/// </summary>
public class Job
{
    public Guid Id { get; set; }
    /// <summary>Which <c>JobKind</c> runs it (e.g. "DeploymentStage", "Scan").</summary>
    public string Kind { get; set; } = "";
    /// <summary>The row the job works on (a stage, a scan ...), when there is one.</summary>
    public Guid? SubjectId { get; set; }
    /// <summary>Small kind-specific input (JSON), for kinds without a row of their own.</summary>
    public string? Payload { get; set; }
    /// <summary>At most one queued or running job per kind and key (singletons such as a recurring sweep).</summary>
    public string? Key { get; set; }
    public JobStatus Status { get; set; } = JobStatus.Queued;
    /// <summary>Claims so far (the first run included).</summary>
    public int Attempts { get; set; }
    /// <summary>Not claimed before this: now, a timer's end, or a retry's back-off.</summary>
    public DateTimeOffset RunAfter { get; set; }
    /// <summary>The worker that holds the claim ("host/pid/random"), while running and afterwards.</summary>
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    /// <summary>Not needed any more (its subject was cancelled or moved on without it).</summary>
    Cancelled,
}
