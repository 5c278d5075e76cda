using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>A scan as seed 02's <c>GET /api/scans/{id}</c> shows it, plus what identity and history add.</summary>
public sealed record ScanRow(
    Guid Id,
    ScanKind ScanType,
    string Target,
    ScanState Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    string? ErrorMessage,
    int VulnerabilityCount,
    int CriticalCount,
    int HighCount,
    int MediumCount,
    int LowCount,
    int InfoCount,
    int SecretCount,
    ScanOrigin Origin,
    string? Format,
    string? Scanner,
    string? ScannerVersion,
    Guid? ServiceId,
    string? ServiceName,
    string? CommitSha,
    Guid? DeploymentId,
    Guid? ScanJobId,
    int ResultsInReport,
    int NewCount,
    int UnchangedCount,
    int ReopenedCount,
    int FixedCount,
    long? DurationMs,
    string? CreatedByName,
    DateTimeOffset CreatedAt)
{
    /// <summary>For a dependency part of a git repository scan: that scan.</summary>
    public Guid? ParentScanId { get; init; }

    /// <summary>A git repository scan's dependency parts (their counts are in this row's).</summary>
    public IReadOnlyList<ScanPart> Parts { get; init; } = [];
}

/// <summary>A part of a git repository scan: its dependency scanner's run.</summary>
public sealed record ScanPart(Guid Id, string? Scanner, ScanState Status, int FindingsCount);

/// <summary>One row of <c>GET /api/scans/{id}/vulnerabilities</c>: the scan's copy, with the finding's current status.</summary>
public sealed record ScanVulnerabilityRow(
    Guid Id,
    Guid FindingId,
    string Kind,
    string CveId,
    string? PackageName,
    string? PackageVersion,
    string Severity,
    double? CvssScore,
    double? EpssScore,
    bool EpssPredicted,
    string? CveDetails,
    string Change,
    VulnerabilityStatus Status,
    string? FixedVersions,
    string? Path,
    DateTimeOffset CreatedAt);

/// <summary>A secret the scan found (hash-derived preview only), listed with its vulnerabilities.</summary>
public sealed record ScanSecretRow(Guid FindingId, string RuleId, string Severity, string RedactedPreview, string FilePath, int Line, FindingStatus Status,
    bool Suppressed);

public sealed record ScanQuery
{
    public ScanState? Status { get; init; }
    public ScanKind? ScanType { get; init; }
    public Guid? ServiceId { get; init; }
    public string? Search { get; init; }
    public int Skip { get; init; }
    public int Limit { get; init; } = 50;
}

/// <summary>Body of seed 02's <c>POST /api/scans/trigger</c>.</summary>
public sealed record TriggerRequest(string? ScanType, string? Target, IReadOnlyDictionary<string, string>? Options, Guid? ServiceId = null, string? CommitSha = null);

/// <summary>seed 02's trigger response.</summary>
public sealed record TriggerResult(Guid ScanId, ScanState Status, string Message);
