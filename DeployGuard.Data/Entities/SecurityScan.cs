namespace DeployGuard.Data.Entities;

/// <summary>
/// A scan that a deployment's security gate used (seed 03 <c>security_scans</c>): its counts, whether it passed,
/// and the gate's decision and reasoning for it.
/// </summary>
public class SecurityScan
{
    public Guid Id { get; set; }
    public Guid DeploymentId { get; set; }
    public Guid GateDecisionId { get; set; }
    /// <summary>The vulnerability scan, or null for a secret scan (see <see cref="ScanJobId"/>).</summary>
    public Guid? ScanId { get; set; }
    public Guid? ScanJobId { get; set; }
    /// <summary>dependencies, container, secrets, sbom, code, k8s, vm (what kind of scan this was).</summary>
    public string ScanType { get; set; } = "";
    public string ScannerName { get; set; } = "";
    public string? ScannerVersion { get; set; }
    public long? ScanDurationMs { get; set; }
    public string? CommitSha { get; set; }
    /// <summary>The scan was of another commit than the release's (the latest the service had).</summary>
    public bool OtherCommit { get; set; }
    public DateTimeOffset? ScannedAt { get; set; }
    public bool Passed { get; set; }
    public int TotalVulnerabilities { get; set; }
    public int CriticalCount { get; set; }
    public int HighCount { get; set; }
    public int MediumCount { get; set; }
    public int LowCount { get; set; }
    /// <summary>approve, warn, reject.</summary>
    public string AgentDecision { get; set; } = "";
    public string AgentReasoning { get; set; } = "";
    public string? Recommendations { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
