using System.Text.Json;
using System.Text.RegularExpressions;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// SARIF 2.1.0 from any tool: every result of every run, with its rule (by index or id), level or
/// <c>security-severity</c>, first location, fingerprints and suppressions. Results of secret scanners
/// (gitleaks, TruffleHog, DeployGuard itself...) become secret findings, their values hashed on the spot; a
/// Trivy SARIF result names its package in the message and becomes a vulnerability. Snippets are never kept.
/// </summary>
internal static partial class SarifParser
{
    private static readonly string[] SecretTools = ["gitleaks", "trufflehog", "deployguard", "detect-secrets", "ggshield", "gitguardian", "secretlint", "noseyparker"];

    public static IEnumerable<ReportResult> Parse(JsonStream json, ReportHeader header)
    {
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
        {
            throw json.Error("A SARIF log is a JSON object with version and runs.");
        }

        string? version = null;
        var sawRuns = false;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            switch (json.Text)
            {
                case "version":
                    json.Read();
                    version = json.Text;
                    if (version != "2.1.0")
                    {
                        throw json.Error($"SARIF version {version ?? "(missing)"} is not supported; only 2.1.0 is.");
                    }

                    break;
                case "runs":
                    sawRuns = true;
                    json.Path = "runs";
                    if (!json.ExpectArrayOrNull("runs"))
                    {
                        break;
                    }

                    var run = 0;
                    while (true)
                    {
                        // Each run: an object whose tool and results are read separately.
                        if (!json.Read())
                        {
                            throw json.Error("The SARIF log ends inside runs.");
                        }

                        if (json.TokenType == JsonTokenType.EndArray)
                        {
                            break;
                        }

                        if (json.TokenType != JsonTokenType.StartObject)
                        {
                            throw json.Error($"runs[{run}] should be an object but is {JsonStream.Describe(json.TokenType)}.");
                        }

                        foreach (var result in Run(json, header, run++))
                        {
                            yield return result;
                        }
                    }

                    break;
                default:
                    json.Skip();
                    break;
            }
        }

        if (version is null || !sawRuns)
        {
            throw json.Error("Not a SARIF 2.1.0 log: \"version\": \"2.1.0\" and \"runs\" are required.");
        }
    }

    private static IEnumerable<ReportResult> Run(JsonStream json, ReportHeader header, int run)
    {
        Tool? tool = null;
        List<JsonDocument>? early = null;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            switch (json.Text)
            {
                case "tool":
                    json.Path = $"runs[{run}].tool";
                    using (var document = json.ReadValue())
                    {
                        tool = Tool.From(document!.RootElement);
                    }

                    if (header.Tool.Length == 0)
                    {
                        header.Tool = tool.Name;
                        header.ToolVersion = tool.Version;
                    }

                    if (early is not null)
                    {
                        // Results came before the tool that explains them (allowed, rare): interpret them now.
                        foreach (var document in early)
                        {
                            using (document)
                            {
                                if (FromResult(document.RootElement, tool) is { } result)
                                {
                                    yield return result;
                                }
                                else
                                {
                                    header.Skipped++;
                                }
                            }
                        }

                        early = null;
                    }

                    break;
                case "results":
                    var index = 0;
                    json.Path = $"runs[{run}].results";
                    if (!json.ExpectArrayOrNull(json.Path))
                    {
                        break;
                    }

                    while (json.ReadValue() is { } document)
                    {
                        json.Path = $"runs[{run}].results[{index++}]";
                        if (tool is null)
                        {
                            (early ??= []).Add(document);
                            continue;
                        }

                        using (document)
                        {
                            if (FromResult(document.RootElement, tool) is { } result)
                            {
                                yield return result;
                            }
                            else
                            {
                                header.Skipped++;
                            }
                        }
                    }

                    break;
                default:
                    json.Skip();
                    break;
            }
        }

        if (early is not null)
        {
            throw json.Error($"runs[{run}] has results but no tool (tool.driver is required).");
        }
    }

    private static ReportResult? FromResult(JsonElement result, Tool tool)
    {
        // "pass" and "notApplicable" results report checks that found nothing; "absent" ones were fixed since a baseline.
        if (result.Str("kind") is "pass" or "notApplicable" || result.Str("baselineState") == "absent")
        {
            return null;
        }

        var ruleId = result.Str("ruleId") ?? result.Prop("rule").Str("id");
        var ruleIndex = result.Int("ruleIndex") ?? result.Prop("rule").Int("index");
        // What the rule says is read once per rule and run, not once per result.
        var rule = tool.Facts(ruleIndex, ruleId);
        ruleId ??= rule.Id ?? "unknown";

        var location = result.Items("locations").FirstOrDefault().Prop("physicalLocation");
        var uri = location.Prop("artifactLocation").Str("uri");
        var path = uri is null ? null : Uri.UnescapeDataString(uri).Replace("file://", "", StringComparison.Ordinal);
        var region = location.Prop("region");
        var line = region.Int("startLine");
        var properties = result.Prop("properties");
        var level = result.Str("level") ?? rule.DefaultLevel ?? "warning";
        var securitySeverity = properties.Double("security-severity") ?? rule.SecuritySeverity;
        var severity = securitySeverity is { } score ? Severities.FromScore(score) : Severities.Parse(level) ?? Severity.Info;
        var suppressions = result.Items("suppressions").ToList();
        // A suppression counts unless it was rejected; "underReview" still hides it, as SARIF viewers do.
        var suppression = suppressions.FirstOrDefault(s => s.Str("status") is null or "accepted" or "underReview");
        var fingerprint = Fingerprint(result);
        var ruleText = rule.Text;
        var secretTool = tool.IsSecretScanner || rule.SecretTagged;

        if (secretTool)
        {
            var file = path ?? "";
            var value = properties.Str("offender") ?? properties.Str("secret") ?? region.Prop("snippet").Str("text");
            var finding = properties.Str("secretHash") is { } hash && SecretHasher.IsValidHash(hash)
                ? ImportedSecrets.Hashed(ruleId, ruleText ?? ruleId, hash, null, properties.Str("valuePattern"), file, line ?? 1, region.Int("startColumn") ?? 1, severity)
                : value is { Length: > 0 }
                    ? ImportedSecrets.Create(ruleId, ruleText ?? ruleId, value.Trim(), file, line ?? 1, region.Int("startColumn") ?? 1, line ?? 1, 1,
                        Commit(properties), severity)
                    : ImportedSecrets.Masked(ruleId, ruleText ?? ruleId, fingerprint ?? $"{file}:{line}", file, line ?? 1, severity);
            return new ReportResult
            {
                Kind = ResultKind.Secret,
                RuleId = ruleId,
                Title = ruleText ?? ruleId,
                Severity = severity,
                SourceSeverity = level,
                Target = file,
                Path = file,
                Line = line,
                Secret = finding,
                Suppressed = suppression.ValueKind == JsonValueKind.Object,
                SuppressionReason = SuppressionText(suppression),
            };
        }

        var message = TextScrubber.Scrub(JsonValues.Clip(result.Prop("message").Str("text"), 2000), properties.Str("offender"));
        var package = message is null ? null : TrivyPackage().Match(message);
        var isVulnerability = package is { Success: true } && VulnerabilityId().IsMatch(ruleId);
        return new ReportResult
        {
            Kind = isVulnerability ? ResultKind.Vulnerability
                : rule.MisconfigurationTagged || tool.Name.Contains("checkov", StringComparison.OrdinalIgnoreCase)
                    ? ResultKind.Misconfiguration
                    : ResultKind.CodeIssue,
            RuleId = ruleId,
            Title = rule.Title,
            Description = rule.Description,
            Message = message,
            Severity = severity,
            SourceSeverity = securitySeverity is null ? level : $"{level}, security-severity {securitySeverity}",
            PackageName = isVulnerability ? package!.Groups[1].Value.Trim() : null,
            PackageVersion = isVulnerability ? package!.Groups[2].Value.Trim() : null,
            Target = path ?? "",
            Path = path,
            Line = line,
            Url = rule.Url,
            Cwes = rule.Cwes,
            Suppressed = suppression.ValueKind == JsonValueKind.Object,
            SuppressionReason = SuppressionText(suppression),
            ToolFingerprint = fingerprint,
        };
    }

    private static string? SuppressionText(JsonElement suppression) =>
        suppression.ValueKind != JsonValueKind.Object ? null
            : $"SARIF suppression ({suppression.Str("kind") ?? "external"}){(suppression.Str("justification") is { } j ? ": " + j : "")}";

    /// <summary>The tool's stable fingerprints (partial or full), in a fixed order, so the same result keeps its identity when lines move.</summary>
    private static string? Fingerprint(JsonElement result)
    {
        var parts = result.Prop("partialFingerprints").ValueKind == JsonValueKind.Object ? result.Prop("partialFingerprints")
            : result.Prop("fingerprints");
        if (parts.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var values = parts.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value.GetString()}")
            .ToList();
        return values.Count == 0 ? null : string.Join(";", values);
    }

    private static CommitInfo? Commit(JsonElement properties)
    {
        var sha = properties.Str("commit") ?? properties.Str("commitSha");
        return sha is null
            ? null
            : new CommitInfo(sha, properties.Str("author") ?? "", properties.Str("email") ?? properties.Str("authorEmail") ?? "",
                ImportedSecrets.Date(properties.Str("date")), ImportedSecrets.FirstLine(properties.Str("commitMessage")));
    }

    /// <summary>What a rule says that its results use, read once (the same strings for each of its results).</summary>
    private sealed record RuleFacts(string? Id, string? DefaultLevel, double? SecuritySeverity, string? Text, string? Title, string? Description,
        string? Url, bool SecretTagged, bool MisconfigurationTagged, IReadOnlyList<string> Cwes)
    {
        public static RuleFacts Of(JsonElement rule)
        {
            var tags = rule.Prop("properties").Strings("tags");
            var text = rule.Prop("shortDescription").Str("text") ?? rule.Str("name");
            return new RuleFacts(rule.Str("id"), rule.Prop("defaultConfiguration").Str("level"), rule.Prop("properties").Double("security-severity"),
                text, JsonValues.Clip(text, 500), JsonValues.Clip(rule.Prop("fullDescription").Str("text") ?? rule.Prop("help").Str("text")),
                rule.Str("helpUri"), tags.Contains("secret"), tags.Any(t => t is "misconfiguration" or "iac"),
                tags.Where(t => t.StartsWith("CWE-", StringComparison.OrdinalIgnoreCase) || t.StartsWith("external/cwe/cwe-", StringComparison.OrdinalIgnoreCase))
                    .Select(t => "CWE-" + t[(t.LastIndexOf('-') + 1)..]).Distinct().ToList());
        }
    }

    private sealed class Tool
    {
        private readonly Dictionary<int, RuleFacts> _factsByIndex = [];
        private readonly Dictionary<string, RuleFacts> _factsById = new(StringComparer.Ordinal);
        private RuleFacts? _noRule;

        /// <summary>The result's rule: by index when it is valid, else by id, else none.</summary>
        public RuleFacts Facts(int? index, string? id)
        {
            if (index is { } i && i >= 0 && i < Rules.Count)
            {
                if (!_factsByIndex.TryGetValue(i, out var byIndex))
                {
                    _factsByIndex[i] = byIndex = RuleFacts.Of(Rules[i]);
                }

                return byIndex;
            }

            if (id is not null && RulesById.TryGetValue(id, out var rule))
            {
                if (!_factsById.TryGetValue(id, out var byId))
                {
                    _factsById[id] = byId = RuleFacts.Of(rule);
                }

                return byId;
            }

            return _noRule ??= RuleFacts.Of(default);
        }

        public string Name { get; private init; } = "unknown";
        public string? Version { get; private init; }
        public bool IsSecretScanner { get; private init; }
        public List<JsonElement> Rules { get; } = [];
        public Dictionary<string, JsonElement> RulesById { get; } = new(StringComparer.Ordinal);

        public static Tool From(JsonElement tool)
        {
            var driver = tool.Prop("driver");
            var name = driver.Str("name") ?? "unknown";
            var result = new Tool
            {
                Name = name,
                Version = driver.Str("semanticVersion") ?? driver.Str("version"),
                IsSecretScanner = SecretTools.Any(t => name.Contains(t, StringComparison.OrdinalIgnoreCase)),
            };
            // Keep the rules beyond the document's lifetime: the tool document is disposed after this.
            foreach (var rule in driver.Items("rules"))
            {
                var copy = rule.Clone();
                result.Rules.Add(copy);
                if (copy.Str("id") is { } id)
                {
                    result.RulesById.TryAdd(id, copy);
                }
            }

            foreach (var rule in tool.Items("extensions").SelectMany(e => e.Items("rules")))
            {
                var copy = rule.Clone();
                if (copy.Str("id") is { } id)
                {
                    result.RulesById.TryAdd(id, copy);
                }
            }

            return result;
        }
    }

    [GeneratedRegex(@"Package:\s*([^\r\n]+)\r?\nInstalled Version:\s*([^\r\n]+)")]
    private static partial Regex TrivyPackage();

    [GeneratedRegex(@"^(CVE-\d{4}-\d+|GHSA-[\w-]+|[A-Z]+-\d{4}-\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex VulnerabilityId();
}
