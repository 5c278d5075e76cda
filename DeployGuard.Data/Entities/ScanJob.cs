namespace DeployGuard.Data.Entities;

/// <summary>A secret scan of one repository (seed 01 jobs), run by the scan worker.</summary>
public class ScanJob
{
    public Guid Id { get; set; }
    public string? CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public SourcePlatform SourcePlatform { get; set; }
    /// <summary>Clone URL, or a local path for <see cref="SourcePlatform.Local"/>.</summary>
    public string SourceUrl { get; set; } = "";
    /// <summary>Scan only this branch's history; null scans every branch.</summary>
    public string? Branch { get; set; }
    /// <summary>Access token for private repositories, encrypted with Data Protection. Never shown again.</summary>
    public string? EncryptedAccessToken { get; set; }
    public Guid? ServiceId { get; set; }
    public Service? Service { get; set; }
    /// <summary>The commit the scan is about (the release's commit), when linked for the security gate.</summary>
    public string? CommitSha { get; set; }
    public ScanStatus Status { get; set; } = ScanStatus.Pending;
    public int CommitsTotal { get; set; }
    public int CommitsDone { get; set; }
    public int FilesTotal { get; set; }
    public int FilesDone { get; set; }
    public int TotalSecretsFound { get; set; }
    public int SuppressedCount { get; set; }
    public string? ErrorMessage { get; set; }
    /// <summary>The worker that runs (or ran) it; its liveness is its job's heartbeat (jobs table).</summary>
    public string? ClaimedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public long? DurationMs { get; set; }
    public List<SecretFinding> Findings { get; set; } = [];
}

public enum SourcePlatform
{
    GitHub,
    GitLab,
    Bitbucket,
    Local,
}

public enum ScanStatus
{
    Pending,
    Scanning,
    Completed,
    Failed,
}
