using System.Text.Json.Serialization;

namespace DeployGuard.Data.Entities;

/// <summary>What a security_gate stage decided about a release's commit, and why (seed 03 security scans).</summary>
public class SecurityGateDecision
{
    public Guid Id { get; set; }
    public Guid DeploymentId { get; set; }
    public Guid StageId { get; set; }
    public string? CommitSha { get; set; }
    public GateDecision Decision { get; set; }
    public string Reason { get; set; } = "";
    public SecurityPolicy Policy { get; set; }
    public bool ScanResultsFound { get; set; }
    public int CriticalCount { get; set; }
    public int HighCount { get; set; }
    public int MediumCount { get; set; }
    public int LowCount { get; set; }
    public DateTimeOffset DecidedAt { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<GateDecision>))]
public enum GateDecision
{
    Approve,
    Warn,
    Reject,
}
