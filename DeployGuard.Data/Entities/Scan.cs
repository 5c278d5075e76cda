namespace DeployGuard.Data.Entities;

/// <summary>
/// A vulnerability scan (seed 02 <c>scans</c>): an imported scanner report, a scanner run, or a git repository scan
/// whose secret part runs as a <see cref="ScanJob"/>. Optionally linked to a service, the commit it is about and the
/// deployment whose pipeline attached it.
/// </summary>
public class Scan
{
    public Guid Id { get; set; }
    public ScanKind ScanType { get; set; }
    /// <summary>URL, image name or path (seed 02): what was scanned.</summary>
    public string Target { get; set; } = "";
    public ScanState Status { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>
    /// A summary of the result (format, scanner, counts, severities, what was not imported and why); never the report
    /// itself, which may be 100 MB and hold secrets.
    /// </summary>
    public string? ResultJson { get; set; }
    public string? ErrorMessage { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public ScanOrigin Origin { get; set; }
    public Guid? ServiceId { get; set; }
    public Service? Service { get; set; }
    public string? CommitSha { get; set; }
    public Guid? DeploymentId { get; set; }
    /// <summary>For a git repository scan: the secret-scan job that runs its secret part.</summary>
    public Guid? ScanJobId { get; set; }
    /// <summary>
    /// For a part of a triggered git repository scan (its dependency scanner's run over the clone): the scan it belongs
    /// to. A part keeps its own scanner and scope, so "fixed" and the gate judge it like any other scanner's scan; the
    /// parent reports the counts of all its parts.
    /// </summary>
    public Guid? ParentScanId { get; set; }
    public List<Scan> Parts { get; set; } = [];
    /// <summary>The report format ("trivy", "sarif"...) for imports.</summary>
    public string? Format { get; set; }
    /// <summary>The scanner that produced the results, lower-case ("trivy", "grype", "codeql"): with <see cref="ScopeKey"/> it decides what "fixed" means.</summary>
    public string? Scanner { get; set; }
    public string? ScannerVersion { get; set; }
    /// <summary>Where findings of this scan live: <c>service:&lt;id&gt;</c>, or <c>target:&lt;target&gt;</c> without a service.</summary>
    public string ScopeKey { get; set; } = "";
    public int ResultsInReport { get; set; }
    public int FindingsCount { get; set; }
    public int NewCount { get; set; }
    public int UnchangedCount { get; set; }
    public int ReopenedCount { get; set; }
    public int FixedCount { get; set; }
    public int SecretCount { get; set; }
    public int CriticalCount { get; set; }
    public int HighCount { get; set; }
    public int MediumCount { get; set; }
    public int LowCount { get; set; }
    public int InfoCount { get; set; }
    public long? DurationMs { get; set; }
    public string? CreatedById { get; set; }
    public string? CreatedByName { get; set; }
}

/// <summary>seed 02 <c>scan_type</c>.</summary>
public enum ScanKind
{
    GitRepo,
    Container,
    Vm,
    Sbom,
    K8s,
}

/// <summary>seed 02 <c>status</c>.</summary>
public enum ScanState
{
    Pending,
    Running,
    Completed,
    Failed,
}

public enum ScanOrigin
{
    /// <summary>A report uploaded through the API, the page, or the CLI.</summary>
    Import,
    /// <summary>Started through <c>POST /api/scans/trigger</c>.</summary>
    Trigger,
    /// <summary>Attached by a pipeline's <c>security_scan</c> stage.</summary>
    Stage,
}
