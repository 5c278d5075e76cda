using System.Text.Json.Serialization;
using DeployGuard.Data.Services.Vulnerabilities;

namespace DeployGuard.Web.Endpoints;

/// <summary>
/// seed 02's scan API shapes, property names exactly as it documents them (snake_case). The names are attributes,
/// not a naming policy, so the OpenAPI document shows the same names the wire carries.
/// </summary>
public sealed record ScanTriggerBody(
    [property: JsonPropertyName("scan_type")] string? ScanType,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("options")] Dictionary<string, string>? Options,
    [property: JsonPropertyName("service_id")] Guid? ServiceId = null,
    [property: JsonPropertyName("commit")] string? Commit = null);

public sealed record ScanTriggerResponse(
    [property: JsonPropertyName("scan_id")] Guid ScanId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message")] string Message);

public sealed record ScanResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("scan_type")] string ScanType,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("completed_at")] DateTimeOffset? CompletedAt,
    [property: JsonPropertyName("vulnerability_count")] int VulnerabilityCount,
    [property: JsonPropertyName("critical_count")] int CriticalCount,
    [property: JsonPropertyName("high_count")] int HighCount,
    [property: JsonPropertyName("medium_count")] int MediumCount,
    [property: JsonPropertyName("low_count")] int LowCount,
    [property: JsonPropertyName("info_count")] int InfoCount,
    [property: JsonPropertyName("secret_count")] int SecretCount,
    [property: JsonPropertyName("error_message")] string? ErrorMessage,
    [property: JsonPropertyName("origin")] string Origin,
    [property: JsonPropertyName("format")] string? Format,
    [property: JsonPropertyName("scanner")] string? Scanner,
    [property: JsonPropertyName("scanner_version")] string? ScannerVersion,
    [property: JsonPropertyName("service_id")] Guid? ServiceId,
    [property: JsonPropertyName("service")] string? Service,
    [property: JsonPropertyName("commit")] string? Commit,
    [property: JsonPropertyName("deployment_id")] Guid? DeploymentId,
    [property: JsonPropertyName("results_in_report")] int ResultsInReport,
    [property: JsonPropertyName("new")] int New,
    [property: JsonPropertyName("unchanged")] int Unchanged,
    [property: JsonPropertyName("reopened")] int Reopened,
    [property: JsonPropertyName("fixed")] int Fixed,
    [property: JsonPropertyName("duration_ms")] long? DurationMs,
    [property: JsonPropertyName("parent_scan_id")] Guid? ParentScanId,
    [property: JsonPropertyName("parts")] IReadOnlyList<ScanPartResponse> Parts)
{
    public static ScanResponse From(ScanRow s) => new(s.Id, ScanKinds.Name(s.ScanType), s.Target, ScanKinds.Name(s.Status), s.StartedAt, s.CompletedAt,
        s.VulnerabilityCount, s.CriticalCount, s.HighCount, s.MediumCount, s.LowCount, s.InfoCount, s.SecretCount, s.ErrorMessage,
        s.Origin.ToString().ToLowerInvariant(), s.Format, s.Scanner, s.ScannerVersion, s.ServiceId, s.ServiceName, s.CommitSha, s.DeploymentId,
        s.ResultsInReport, s.NewCount, s.UnchangedCount, s.ReopenedCount, s.FixedCount, s.DurationMs, s.ParentScanId,
        s.Parts.Select(p => new ScanPartResponse(p.Id, p.Scanner, ScanKinds.Name(p.Status), p.FindingsCount)).ToList());
}

/// <summary>A git repository scan's dependency part (its counts are in the scan's); <c>GET /api/scans/{id}</c> shows it on its own.</summary>
public sealed record ScanPartResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("scanner")] string? Scanner,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("vulnerability_count")] int VulnerabilityCount);

public sealed record VulnerabilityResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("finding_id")] Guid FindingId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("cve_id")] string CveId,
    [property: JsonPropertyName("package_name")] string? PackageName,
    [property: JsonPropertyName("package_version")] string? PackageVersion,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("cvss_score")] double? CvssScore,
    [property: JsonPropertyName("epss_score")] double? EpssScore,
    [property: JsonPropertyName("epss_predicted")] bool EpssPredicted,
    [property: JsonPropertyName("cve_details")] System.Text.Json.JsonElement? CveDetails,
    [property: JsonPropertyName("change")] string Change,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("fixed_versions")] string? FixedVersions,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("redacted_preview")] string? RedactedPreview = null,
    [property: JsonPropertyName("file_path")] string? FilePath = null,
    [property: JsonPropertyName("line")] int? Line = null);

public sealed record ImportResponse(
    [property: JsonPropertyName("scan_id")] Guid ScanId,
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("scanner")] string Scanner,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("results_in_report")] int ResultsInReport,
    [property: JsonPropertyName("findings")] int Findings,
    [property: JsonPropertyName("new")] int New,
    [property: JsonPropertyName("unchanged")] int Unchanged,
    [property: JsonPropertyName("reopened")] int Reopened,
    [property: JsonPropertyName("fixed")] int Fixed,
    [property: JsonPropertyName("secrets")] int Secrets,
    [property: JsonPropertyName("by_severity")] IReadOnlyDictionary<string, int> BySeverity,
    [property: JsonPropertyName("url")] string Url)
{
    public static ImportResponse From(ImportResult r, string url) => new(r.ScanId, r.Format, r.Scanner, r.Target, r.ResultsInReport, r.Findings, r.New,
        r.Unchanged, r.Reopened, r.Fixed, r.Secrets, r.BySeverity, url);
}
