namespace DeployGuard.Scanning.Reports;

public enum ReportFormat
{
    Unknown,

    /// <summary>An empty file: nothing to import, and no tool to attribute it to.</summary>
    Empty,
    Trivy,
    Grype,
    Sarif,
    CycloneDx,
    Gitleaks,
    Trufflehog,
}

public static class ReportFormats
{
    /// <summary>The wire name (API <c>format</c> field, CLI <c>--format</c>).</summary>
    public static string WireName(this ReportFormat format) => format switch
    {
        ReportFormat.Trivy => "trivy",
        ReportFormat.Grype => "grype",
        ReportFormat.Sarif => "sarif",
        ReportFormat.CycloneDx => "cyclonedx",
        ReportFormat.Gitleaks => "gitleaks",
        ReportFormat.Trufflehog => "trufflehog",
        ReportFormat.Empty => "empty",
        _ => "unknown",
    };

    /// <summary>The name people know the format by, for messages.</summary>
    public static string DisplayName(this ReportFormat format) => format switch
    {
        ReportFormat.Trivy => "Trivy JSON",
        ReportFormat.Grype => "Grype JSON",
        ReportFormat.Sarif => "SARIF 2.1.0",
        ReportFormat.CycloneDx => "CycloneDX JSON",
        ReportFormat.Gitleaks => "gitleaks JSON",
        ReportFormat.Trufflehog => "TruffleHog JSON lines",
        ReportFormat.Empty => "empty file",
        _ => "unknown format",
    };

    public static bool TryParse(string? name, out ReportFormat format)
    {
        format = name?.Trim().ToLowerInvariant() switch
        {
            "trivy" => ReportFormat.Trivy,
            "grype" => ReportFormat.Grype,
            "sarif" => ReportFormat.Sarif,
            "cyclonedx" or "cdx" => ReportFormat.CycloneDx,
            "gitleaks" => ReportFormat.Gitleaks,
            "trufflehog" => ReportFormat.Trufflehog,
            _ => ReportFormat.Unknown,
        };
        return format != ReportFormat.Unknown;
    }
}
