using System.Globalization;
using System.Text.Json;
using DeployGuard.Scanning.Vulnerabilities;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// Trivy <c>--format json</c>, schema 2 (and schema 1's bare array of results): per target ("Results[]"),
/// vulnerabilities, misconfigurations and secrets, from image, filesystem, repository and config scans.
/// One target's result is one document; the report as a whole is never loaded.
/// </summary>
internal static class TrivyParser
{
    private static readonly string[] CvssSourcePreference = ["nvd", "ghsa", "redhat"];

    public static IEnumerable<ReportResult> Parse(JsonStream json, ReportHeader header)
    {
        header.Tool = "trivy";
        if (!json.Read())
        {
            throw json.Error("The report is empty.");
        }

        if (json.TokenType == JsonTokenType.StartArray)
        {
            foreach (var result in Results(json, header))
            {
                yield return result;
            }

            yield break;
        }

        if (json.TokenType != JsonTokenType.StartObject)
        {
            throw json.Error($"A Trivy report is a JSON object, not {JsonStream.Describe(json.TokenType)}.");
        }

        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            switch (json.Text)
            {
                case "SchemaVersion":
                    json.Read();
                    if (json.Text is not "2")
                    {
                        throw json.Error($"Trivy report schema version {json.Text ?? "(missing)"} is not supported; Trivy 0.20 and later write version 2.");
                    }

                    break;
                case "ArtifactName":
                    json.Read();
                    header.Target = json.Text;
                    break;
                case "ArtifactType":
                    json.Read();
                    header.TargetType = json.Text;
                    break;
                case "Trivy":
                    using (var trivy = json.ReadValue())
                    {
                        header.ToolVersion = trivy?.RootElement.Str("Version");
                    }

                    break;
                case "Results":
                    json.Path = "Results";
                    if (!json.ExpectArrayOrNull("Results"))
                    {
                        break;
                    }

                    foreach (var result in Results(json, header))
                    {
                        yield return result;
                    }

                    break;
                default:
                    json.Skip();
                    break;
            }
        }
    }

    private static IEnumerable<ReportResult> Results(JsonStream json, ReportHeader header)
    {
        var index = 0;
        while (json.ReadValue() is { } document)
        {
            json.Path = $"Results[{index++}]";
            using (document)
            {
                var target = document.RootElement;
                if (target.ValueKind != JsonValueKind.Object)
                {
                    throw json.Error($"{json.Path} should be an object but is {target.ValueKind.ToString().ToLowerInvariant()}.");
                }

                foreach (var result in FromTarget(target, header))
                {
                    yield return result;
                }
            }
        }
    }

    private static IEnumerable<ReportResult> FromTarget(JsonElement result, ReportHeader header)
    {
        var target = result.Str("Target") ?? "";
        var kind = result.Str("Class");
        var direct = Relationships(result);
        foreach (var v in result.Items("Vulnerabilities"))
        {
            var id = v.Str("VulnerabilityID");
            if (id is null)
            {
                header.Skipped++;
                continue;
            }

            var cvss = Cvss(v);
            var status = v.Str("Status");
            var packageId = v.Str("PkgID") ?? $"{v.Str("PkgName")}@{v.Str("InstalledVersion")}";
            yield return new ReportResult
            {
                Kind = ResultKind.Vulnerability,
                RuleId = id,
                Title = JsonValues.Clip(v.Str("Title"), 500),
                Description = JsonValues.Clip(v.Str("Description")),
                Severity = Severities.Resolve(v.Str("Severity"), cvss),
                SourceSeverity = v.Str("Severity"),
                PackageName = v.Str("PkgName"),
                PackageVersion = v.Str("InstalledVersion"),
                PackageType = result.Str("Type"),
                Purl = v.Prop("PkgIdentifier").Str("PURL"),
                FixedVersions = (v.Str("FixedVersion") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Target = target,
                Path = v.Str("PkgPath") ?? (kind == "lang-pkgs" ? target : null),
                Cvss = cvss,
                Cwes = v.Strings("CweIDs"),
                Url = v.Str("PrimaryURL"),
                Published = v.Date("PublishedDate"),
                Suppressed = status is "not_affected",
                SuppressionReason = status is "not_affected" ? "Trivy: not affected" : null,
                Direct = direct.TryGetValue(packageId, out var d) ? d : null,
            };
        }

        foreach (var m in result.Items("Misconfigurations"))
        {
            var status = m.Str("Status");
            var id = m.Str("ID") ?? m.Str("AVDID");
            if (status == "PASS" || id is null)
            {
                header.Skipped++;
                continue;
            }

            var resolution = m.Str("Resolution");
            var description = m.Str("Description");
            yield return new ReportResult
            {
                Kind = ResultKind.Misconfiguration,
                RuleId = id,
                Title = JsonValues.Clip(m.Str("Title"), 500),
                Description = JsonValues.Clip(resolution is null ? description : $"{description}\n\nResolution: {resolution}"),
                Message = TextScrubber.Scrub(JsonValues.Clip(m.Str("Message"), 1000)),
                Severity = Severities.Resolve(m.Str("Severity"), null),
                SourceSeverity = m.Str("Severity"),
                Target = target,
                Path = target,
                Line = m.Prop("CauseMetadata").Int("StartLine"),
                Url = m.Str("PrimaryURL"),
                Suppressed = status == "EXCEPTION",
                SuppressionReason = status == "EXCEPTION" ? "Trivy: exception" : null,
            };
        }

        foreach (var s in result.Items("Secrets"))
        {
            var rule = s.Str("RuleID") ?? "trivy-secret";
            var line = s.Int("StartLine") ?? 1;
            var title = s.Str("Title") ?? rule;
            var severity = Severities.Resolve(s.Str("Severity"), null);
            // Trivy masks the value in Match ("GITHUB_PAT=*****"); that masked line is all there is to tell secrets apart.
            var finding = ImportedSecrets.Masked(rule, title, s.Str("Match") ?? line.ToString(CultureInfo.InvariantCulture), target, line, severity);
            yield return new ReportResult
            {
                Kind = ResultKind.Secret,
                RuleId = rule,
                Title = title,
                Severity = severity,
                SourceSeverity = s.Str("Severity"),
                Target = target,
                Path = target,
                Line = line,
                Secret = finding,
            };
        }

        // License findings are results of the report but not ours to judge: counted, not imported.
        foreach (var _ in result.Items("Licenses"))
        {
            header.Skipped++;
        }
    }

    /// <summary>Direct or transitive per package id, when the report lists packages (<c>--list-all-pkgs</c>).</summary>
    private static Dictionary<string, bool> Relationships(JsonElement result)
    {
        var map = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var p in result.Items("Packages"))
        {
            var id = p.Str("ID") ?? $"{p.Str("Name")}@{p.Str("Version")}";
            var relationship = p.Str("Relationship");
            if (relationship is "direct" or "indirect")
            {
                map[id] = relationship == "direct";
            }
            else if (p.Prop("Indirect").ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                map[id] = !p.Bool("Indirect");
            }
        }

        return map;
    }

    /// <summary>The vector of the severity's own source (else NVD, GHSA, Red Hat, any), v4.0 before v3.x before v2.</summary>
    private static CvssScore? Cvss(JsonElement vulnerability)
    {
        var all = vulnerability.Prop("CVSS");
        if (all.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var sources = all.EnumerateObject().Select(p => p.Name).ToList();
        var order = new[] { vulnerability.Str("SeveritySource") }.Concat(CvssSourcePreference).Concat(sources)
            .Where(s => s is not null && sources.Contains(s)).Distinct();
        foreach (var source in order)
        {
            var entry = all.Prop(source!);
            var score = CvssScore.From(entry.Str("V40Vector"), entry.Double("V40Score"))
                        ?? CvssScore.From(entry.Str("V3Vector"), entry.Double("V3Score"))
                        ?? CvssScore.From(entry.Str("V2Vector"), entry.Double("V2Score"));
            if (score is not null)
            {
                return score;
            }
        }

        return null;
    }
}
