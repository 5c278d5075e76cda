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
    /// <summary>The policy version applied (null before environments had policies of their own).</summary>
    public Guid? PolicyVersionId { get; set; }
    public int? PolicyVersion { get; set; }
    /// <summary>JSON: every condition with its outcome and the findings it matched, and how to unblock each.</summary>
    public string? Evaluation { get; set; }
    /// <summary>An admin let a rejected deployment through: who, why, when (audited).</summary>
    public string? OverriddenById { get; set; }
    public string? OverriddenByName { get; set; }
    public string? OverrideReason { get; set; }
    public DateTimeOffset? OverriddenAt { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<GateDecision>))]
public enum GateDecision
{
    Approve,
    Warn,
    Reject,
}
