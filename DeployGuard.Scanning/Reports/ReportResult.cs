using System.Security.Cryptography;
using System.Text;
using DeployGuard.Scanning.Vulnerabilities;

namespace DeployGuard.Scanning.Reports;

/// <summary>What kind of problem a result is; decides its identity and where it is stored.</summary>
public enum ResultKind
{
    /// <summary>A known vulnerability (CVE, GHSA...) in an installed package.</summary>
    Vulnerability,

    /// <summary>A failed configuration check (Trivy misconfigurations, Checkov via SARIF).</summary>
    Misconfiguration,

    /// <summary>A leaked credential: stored as a secret finding (hash and redacted preview only).</summary>
    Secret,

    /// <summary>Any other static-analysis result (SARIF from CodeQL, Semgrep...).</summary>
    CodeIssue,
}

/// <summary>
/// One result of a scanner report, tool-neutral. Free text that came from the scanned content (SARIF
/// messages, misconfiguration messages) has had secret-looking values redacted; code snippets are never kept.
/// </summary>
public sealed record ReportResult
{
    public required ResultKind Kind { get; init; }

    /// <summary>CVE-…/GHSA-… for vulnerabilities, the rule id otherwise.</summary>
    public required string RuleId { get; init; }

    /// <summary>Other ids of the same vulnerability (a GHSA's CVE, Grype's related vulnerabilities).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    public string? Title { get; init; }

    public string? Description { get; init; }

    /// <summary>What this occurrence says (SARIF message, misconfiguration message), redacted.</summary>
    public string? Message { get; init; }

    public required Severity Severity { get; init; }

    /// <summary>The severity as the tool wrote it ("Negligible", "UNKNOWN", "warning").</summary>
    public string? SourceSeverity { get; init; }

    public string? PackageName { get; init; }

    public string? PackageVersion { get; init; }

    /// <summary>Ecosystem or package type as the tool names it: deb, apk, npm, pip, maven, gobinary...</summary>
    public string? PackageType { get; init; }

    public string? Purl { get; init; }

    public IReadOnlyList<string> FixedVersions { get; init; } = [];

    /// <summary>What this part of the report is about: Trivy's Result target, a file, an image.</summary>
    public string Target { get; init; } = "";

    /// <summary>File or package location (a lock file, a jar inside an image, a source file).</summary>
    public string? Path { get; init; }

    public int? Line { get; init; }

    public CvssScore? Cvss { get; init; }

    /// <summary>EPSS probability the report itself carries (Grype), 0..1.</summary>
    public double? Epss { get; init; }

    public double? EpssPercentile { get; init; }

    /// <summary>The tool says the vulnerability is in CISA's known-exploited catalogue.</summary>
    public bool KnownExploited { get; init; }

    public IReadOnlyList<string> Cwes { get; init; } = [];

    public string? Url { get; init; }

    public DateTimeOffset? Published { get; init; }

    /// <summary>The report itself says this does not count (SARIF suppression, CycloneDX not_affected...).</summary>
    public bool Suppressed { get; init; }

    public string? SuppressionReason { get; init; }

    /// <summary>Direct dependency (true), transitive (false), or not said (null).</summary>
    public bool? Direct { get; init; }

    /// <summary>For secrets: the hashed and redacted finding, exactly as the built-in scanner makes them.</summary>
    public Finding? Secret { get; init; }

    /// <summary>The tool's own stable fingerprint (SARIF partialFingerprints), when it gives one.</summary>
    public string? ToolFingerprint { get; init; }

    public bool FixAvailable => FixedVersions.Count > 0;

    /// <summary>
    /// The finding this result is an occurrence of, within one scope (service or target) and scanner: the same
    /// vulnerability in the same package version at the same place; the same rule at the same place for SARIF
    /// (the tool's fingerprint when it has one, else file and line); the same value in the same file for secrets
    /// (whatever rule found it). 32 hex characters.
    /// </summary>
    public string Identity => IdentityOf(Kind switch
    {
        ResultKind.Vulnerability => $"vulnerability\n{RuleId}\n{PackageName}\n{PackageVersion}\n{Path ?? Target}",
        ResultKind.Misconfiguration => $"misconfiguration\n{RuleId}\n{Path ?? Target}\n{Message}",
        ResultKind.Secret => FindingIdentity.SecretKey(Secret?.SecretHash ?? "", Secret?.FilePath ?? Path ?? ""),
        _ => $"code\n{RuleId}\n{Path ?? Target}\n{ToolFingerprint ?? Line?.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
    });

    private static string IdentityOf(string key) => FindingIdentity.Of(key);
}

/// <summary>How findings are told apart across scans; the secret identity is shared by the built-in scanner and imports.</summary>
public static class FindingIdentity
{
    /// <summary>The same secret value in the same file, whichever rule or tool found it (32 hex characters).</summary>
    public static string Secret(string secretHash, string filePath) => Of(SecretKey(secretHash, filePath));

    internal static string SecretKey(string secretHash, string filePath) => $"secret\n{secretHash}\n{filePath}";

    internal static string Of(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];
}
