using DeployGuard.Scanning.Vulnerabilities;

namespace DeployGuard.Scanning.Reports;

/// <summary>Maps each tool's severity words onto ours; "unknown" falls back to the CVSS rating.</summary>
public static class Severities
{
    public static Severity? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "critical" => Severity.Critical,
        "high" or "error" or "important" => Severity.High,
        "medium" or "moderate" or "warning" => Severity.Medium,
        "low" or "note" or "minor" => Severity.Low,
        "negligible" or "info" or "informational" or "none" => Severity.Info,
        _ => null,
    };

    /// <summary>The tool's severity when it gives one, else the CVSS rating, else info.</summary>
    public static Severity Resolve(string? toolSeverity, CvssScore? cvss) =>
        Parse(toolSeverity) ?? (cvss is null ? Severity.Info : cvss.Rating);

    /// <summary>SARIF's <c>security-severity</c> (a CVSS-like 0–10 number) on the CVSS rating scale.</summary>
    public static Severity FromScore(double score) => CvssVector.RatingOf(score);

    public static string Name(Severity severity) => severity.ToString().ToLowerInvariant();
}
