using System.Text.Json;
using DeployGuard.Scanning.Vulnerabilities;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// Grype <c>-o json</c>: <c>matches[]</c> (and <c>ignoredMatches[]</c>, imported as suppressed), each a
/// vulnerability in an artifact, with CVSS, fix versions, and since Grype 0.87 EPSS, KEV and risk. The
/// source (what was scanned) comes after the matches, so the header learns it at the end.
/// </summary>
internal static class GrypeParser
{
    public static IEnumerable<ReportResult> Parse(JsonStream json, ReportHeader header)
    {
        header.Tool = "grype";
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
        {
            throw json.Error("A Grype report is a JSON object with a matches array.");
        }

        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            switch (json.Text)
            {
                case "matches" or "ignoredMatches":
                    var ignored = json.Text == "ignoredMatches";
                    json.Path = json.Text;
                    if (!json.ExpectArrayOrNull(json.Path))
                    {
                        break;
                    }

                    var index = 0;
                    var name = json.Path;
                    while (json.ReadValue() is { } document)
                    {
                        json.Path = $"{name}[{index++}]";
                        using (document)
                        {
                            var result = FromMatch(document.RootElement, ignored);
                            if (result is null)
                            {
                                header.Skipped++;
                                continue;
                            }

                            yield return result;
                        }
                    }

                    break;
                case "source":
                    using (var source = json.ReadValue())
                    {
                        var root = source!.RootElement;
                        header.TargetType = root.Str("type");
                        var target = root.Prop("target");
                        header.Target = target.ValueKind == JsonValueKind.String ? target.GetString() : target.Str("userInput") ?? target.Str("path");
                    }

                    break;
                case "descriptor":
                    using (var descriptor = json.ReadValue())
                    {
                        header.ToolVersion = descriptor!.RootElement.Str("version");
                    }

                    break;
                default:
                    json.Skip();
                    break;
            }
        }
    }

    private static ReportResult? FromMatch(JsonElement match, bool ignored)
    {
        var vulnerability = match.Prop("vulnerability");
        var artifact = match.Prop("artifact");
        var id = vulnerability.Str("id");
        if (id is null)
        {
            return null;
        }

        var related = match.Items("relatedVulnerabilities").ToList();
        var cvss = Cvss(vulnerability) ?? related.Select(Cvss).FirstOrDefault(c => c is not null);
        var epss = vulnerability.Items("epss").FirstOrDefault();
        var fix = vulnerability.Prop("fix");
        var description = vulnerability.Str("description") ?? related.Select(r => r.Str("description")).FirstOrDefault(d => d is not null);
        var cwes = vulnerability.Items("cwes").Select(c => c.Str("cwe")).OfType<string>()
            .Concat(related.SelectMany(r => r.Items("cwes")).Select(c => c.Str("cwe")).OfType<string>())
            .Distinct().ToList();
        var fixState = fix.Str("state");
        return new ReportResult
        {
            Kind = ResultKind.Vulnerability,
            RuleId = id,
            Aliases = related.Select(r => r.Str("id")).OfType<string>().Where(a => a != id).Distinct().ToList(),
            Description = JsonValues.Clip(description),
            Severity = Severities.Resolve(vulnerability.Str("severity"), cvss),
            SourceSeverity = vulnerability.Str("severity"),
            PackageName = artifact.Str("name"),
            PackageVersion = artifact.Str("version"),
            PackageType = artifact.Str("type"),
            Purl = artifact.Str("purl"),
            FixedVersions = fixState is "fixed" or null ? fix.Strings("versions") : [],
            Target = "",
            Path = artifact.Items("locations").Select(l => l.Str("path")).FirstOrDefault(p => p is not null),
            Cvss = cvss,
            Epss = epss.Double("epss"),
            EpssPercentile = epss.Double("percentile"),
            KnownExploited = vulnerability.Items("knownExploited").Any(),
            Cwes = cwes,
            Url = vulnerability.Str("dataSource"),
            Suppressed = ignored || fixState == "not-affected",
            SuppressionReason = ignored ? "Grype ignore rule" : fixState == "not-affected" ? "Grype: not affected" : null,
        };
    }

    /// <summary>Highest CVSS version given, the primary (NVD) entry before secondary ones; Grype before 0.20 wrote cvssV3/cvssV2 objects.</summary>
    private static CvssScore? Cvss(JsonElement vulnerability)
    {
        var entries = vulnerability.Items("cvss")
            .Select(c => (Version: c.Str("version") ?? "", Primary: c.Str("type") is null or "Primary", Score: CvssScore.From(c.Str("vector"), c.Prop("metrics").Double("baseScore"))))
            .Where(c => c.Score is not null)
            .OrderByDescending(c => c.Version, StringComparer.Ordinal)
            .ThenByDescending(c => c.Primary)
            .Select(c => c.Score)
            .FirstOrDefault();
        return entries
               ?? CvssScore.From(vulnerability.Prop("cvssV3").Str("vector"), vulnerability.Prop("cvssV3").Double("baseScore"))
               ?? CvssScore.From(vulnerability.Prop("cvssV2").Str("vector"), vulnerability.Prop("cvssV2").Double("baseScore"));
    }
}
