namespace DeployGuard.Data.Entities;

/// <summary>
/// A secret found in a repository (seed 01 secrets_found): one row per value and file in that repository, however many
/// scans saw it (<see cref="SecretFindingSighting"/> says which). Holds a keyed hash of the value (HMAC of its SHA-256 with
/// the installation's key, see <see cref="Services.Scanning.SecretHashKey"/>) and a redacted preview — never the value itself.
/// </summary>
public class SecretFinding
{
    public Guid Id { get; set; }
    /// <summary>The scan job that found it first.</summary>
    public Guid JobId { get; set; }
    public ScanJob? Job { get; set; }
    public string RuleId { get; set; } = "";
    public string SecretType { get; set; } = "";
    public string Severity { get; set; } = "";
    public string SecretValueHash { get; set; } = "";
    /// <summary>The key <see cref="SecretValueHash"/> was made with; null for a bare SHA-256 (before keying, re-keyed at start-up).</summary>
    public string? HashKeyId { get; set; }
    public string RedactedPreview { get; set; } = "";
    /// <summary>Shape of the value, like <c>ghp_[alnum:36]</c>: what false-positive learning generalises over.</summary>
    public string ValuePattern { get; set; } = "";
    public string FilePath { get; set; } = "";
    public int Line { get; set; }
    public int Column { get; set; }
    public string? CommitSha { get; set; }
    public string? Author { get; set; }
    public DateTimeOffset? CommittedAt { get; set; }
    public FindingStatus Status { get; set; } = FindingStatus.Open;
    public string? TriageReason { get; set; }
    public string? TriagedBy { get; set; }
    public DateTimeOffset? TriagedAt { get; set; }
    public bool SelectedForCleaning { get; set; }
    /// <summary>Set when a suppression (inline allow, baseline, learned pattern) hid it; the reason says which.</summary>
    public bool Suppressed { get; set; }
    public string? SuppressionReason { get; set; }
    /// <summary>The repository (or service, or target) the finding belongs to: <c>repo:&lt;url&gt;</c>, <c>service:&lt;id&gt;</c>, <c>target:&lt;name&gt;</c>.</summary>
    public string ScopeKey { get; set; } = "";
    /// <summary>
    /// 32 hex characters of SHA-256(keyed value hash, file path): the same secret in the same file, whichever rule or tool
    /// found it. Made from the keyed hash, never the bare SHA-256, so it is no test for candidate tokens either.
    /// </summary>
    public string Identity { get; set; } = "";
    /// <summary>When this value was first seen in this file of this repository, by any scan.</summary>
    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
    /// <summary>The latest scan job that saw it.</summary>
    public Guid LastJobId { get; set; }
    /// <summary>When a later scan of the repository no longer found it.</summary>
    public DateTimeOffset? FixedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum FindingStatus
{
    Open,
    Confirmed,
    FalsePositive,
    AcceptedRisk,
    Fixed,
}
