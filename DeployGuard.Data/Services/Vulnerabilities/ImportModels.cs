using DeployGuard.Data.Entities;
using DeployGuard.Scanning.Reports;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>A report to import, and what it belongs to (all optional but the report itself).</summary>
public sealed record ImportRequest
{
    public required Stream Report { get; init; }

    /// <summary>Unknown: detect from the content.</summary>
    public ReportFormat Format { get; init; } = ReportFormat.Unknown;

    public string? FileName { get; init; }

    /// <summary>The service by name (API, CLI) or id (pages, pipeline stage).</summary>
    public string? ServiceName { get; init; }

    public Guid? ServiceId { get; init; }

    public string? CommitSha { get; init; }

    /// <summary>seed 02 scan_type; inferred from the report when not given.</summary>
    public string? ScanType { get; init; }

    /// <summary>What was scanned; the report's own artifact name when not given.</summary>
    public string? Target { get; init; }

    public Guid? DeploymentId { get; init; }

    public ScanOrigin Origin { get; init; } = ScanOrigin.Import;

    /// <summary>
    /// A triggered scan still running (a scanner command's output): the import completes that scan row instead of
    /// adding one; its service, commit and target are the trigger's.
    /// </summary>
    public Guid? IntoScanId { get; init; }
}

/// <summary>
/// What an import did (the body of <c>POST /api/scans/import</c>'s 201): <see cref="ResultsInReport"/> counts every
/// result the report holds, <see cref="Findings"/> the distinct findings after de-duplication, then how they compare
/// with the scope's earlier scans by the same scanner.
/// </summary>
public sealed record ImportResult(
    Guid ScanId,
    string Format,
    string Scanner,
    string Target,
    int ResultsInReport,
    int Findings,
    int New,
    int Unchanged,
    int Reopened,
    int Fixed,
    int Secrets,
    IReadOnlyDictionary<string, int> BySeverity);
