using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeployGuard.Scanning.Contracts;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// SARIF 2.1.0 for GitHub code scanning (upload with <c>github/codeql-action/upload-sarif</c>): relative URIs
/// under <c>%SRCROOT%</c>, rule metadata with <c>security-severity</c>, a partial fingerprint per secret, and
/// suppressed findings as results carrying <c>suppressions</c> (GitHub closes those alerts).
/// </summary>
public static class SarifWriter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
    public const string InformationUri = "https://github.com/deployguard/deployguard";

    public static string Write(ScanReport report) =>
        Build(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static JsonObject Build(ScanReport report)
    {
        var ruleIds = report.Findings.Select(f => f.RuleId).Distinct().Order(StringComparer.Ordinal).ToList();
        var ruleIndex = ruleIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var rules = new JsonArray();
        foreach (var id in ruleIds)
        {
            var sample = report.Findings.First(f => f.RuleId == id);
            // Add(JsonNode), not the generic Add<T> (reflection-based, refused by Native AOT).
            rules.Add((JsonNode)new JsonObject
            {
                ["id"] = id,
                ["name"] = PascalCase(id),
                ["shortDescription"] = new JsonObject { ["text"] = sample.Description },
                ["fullDescription"] = new JsonObject { ["text"] = $"{sample.Description} committed to the repository." },
                ["help"] = new JsonObject
                {
                    ["text"] = "Revoke and rotate the credential, then remove it from the code and from history (deployguard clean). Suppress false positives with a deployguard:allow comment or a baseline.",
                    ["markdown"] = "**Revoke and rotate** the credential, then remove it from the code and from git history (`deployguard clean`). Suppress false positives with a `deployguard:allow` comment or a baseline file.",
                },
                ["defaultConfiguration"] = new JsonObject { ["level"] = Level(sample.Severity) },
                ["properties"] = new JsonObject
                {
                    ["tags"] = new JsonArray("security", "secret", WireNames.Of(sample.SecretType)),
                    ["precision"] = sample.RuleId.StartsWith("generic-", StringComparison.Ordinal) ? "medium" : "high",
                    ["problem.severity"] = sample.Severity >= Severity.High ? "error" : "warning",
                    ["security-severity"] = SecuritySeverity(sample.Severity),
                },
            });
        }

        var results = new JsonArray();
        foreach (var finding in report.Findings
                     .OrderBy(f => f.FilePath, StringComparer.Ordinal)
                     .ThenBy(f => f.Line)
                     .ThenBy(f => f.Column))
        {
            var properties = new JsonObject
            {
                ["secretHash"] = finding.SecretHash,
                ["valuePattern"] = finding.ValuePattern,
                ["severity"] = WireNames.Of(finding.Severity),
                ["secretType"] = WireNames.Of(finding.SecretType),
            };
            if (finding.Commit is { } commit)
            {
                properties["commitSha"] = commit.Sha;
                properties["author"] = commit.AuthorName;
                properties["authorEmail"] = commit.AuthorEmail;
                properties["date"] = commit.Date.ToString("O", CultureInfo.InvariantCulture);
            }

            var result = new JsonObject
            {
                ["ruleId"] = finding.RuleId,
                ["ruleIndex"] = ruleIndex[finding.RuleId],
                ["level"] = Level(finding.Severity),
                ["message"] = new JsonObject
                {
                    ["text"] = finding.Commit is { } c
                        ? $"{finding.Description} ({finding.RedactedPreview}) introduced in commit {c.Sha[..Math.Min(12, c.Sha.Length)]} by {c.AuthorName}."
                        : $"{finding.Description} ({finding.RedactedPreview}).",
                },
                ["locations"] = new JsonArray(new JsonObject
                {
                    ["physicalLocation"] = new JsonObject
                    {
                        ["artifactLocation"] = new JsonObject { ["uri"] = RelativeUri(finding.FilePath), ["uriBaseId"] = "%SRCROOT%" },
                        ["region"] = new JsonObject
                        {
                            ["startLine"] = finding.Line,
                            ["startColumn"] = finding.Column,
                            ["endLine"] = finding.EndLine,
                            ["endColumn"] = finding.EndColumn,
                        },
                    },
                }),
                ["partialFingerprints"] = new JsonObject { ["deployguardFingerprint/v1"] = finding.Fingerprint },
                ["properties"] = properties,
            };
            if (finding.Suppression is { } suppression)
            {
                result["suppressions"] = new JsonArray(new JsonObject
                {
                    ["kind"] = suppression.Kind == SuppressionKind.InlineComment ? "inSource" : "external",
                    ["status"] = "accepted",
                    ["justification"] = suppression.Reason,
                });
            }

            results.Add((JsonNode)result);
        }

        var run = new JsonObject
        {
            ["tool"] = new JsonObject
            {
                ["driver"] = new JsonObject
                {
                    ["name"] = "DeployGuard",
                    ["informationUri"] = InformationUri,
                    ["version"] = report.Tool.Version,
                    ["semanticVersion"] = report.Tool.Version,
                    ["rules"] = rules,
                },
            },
            ["automationDetails"] = new JsonObject { ["id"] = $"deployguard/secrets/{report.Mode}/" },
            ["columnKind"] = "utf16CodeUnits",
            ["results"] = results,
        };
        if (report.Repository is { Commit: not null } repository)
        {
            run["versionControlProvenance"] = new JsonArray(new JsonObject
            {
                ["repositoryUri"] = repository.Url is { } url && Uri.IsWellFormedUriString(url, UriKind.Absolute) ? url : InformationUri,
                ["revisionId"] = repository.Commit,
                ["branch"] = repository.Branch,
            });
        }

        return new JsonObject
        {
            ["$schema"] = SchemaUri,
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(run),
        };
    }

    /// <summary>A relative URI reference: each path segment percent-encoded, forward slashes kept.</summary>
    public static string RelativeUri(string path) =>
        string.Join('/', path.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString));

    private static string Level(Severity severity) => severity switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    private static string SecuritySeverity(Severity severity) => severity switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        Severity.Low => "3.0",
        _ => "1.0",
    };

    private static string PascalCase(string id) =>
        string.Concat(id.Split('-', '_').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
