using System.Text.Json;
using System.Text.RegularExpressions;
using DeployGuard.Scanning.Vulnerabilities;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// CycloneDX JSON 1.4 to 1.7 (a BOM with vulnerabilities, as Trivy, Grype and Dependency-Track write it). One
/// result per vulnerability and affected component (<c>affects[]</c>); components resolve the affected
/// <c>ref</c>s to package name, version and purl; <c>dependencies</c> tell direct from transitive; an
/// <c>analysis.state</c> of not_affected or false_positive imports as suppressed, resolved as not a finding.
/// </summary>
internal static partial class CycloneDxParser
{
    private static readonly string[] Supported = ["1.4", "1.5", "1.6", "1.7"];

    private sealed record Component(string Name, string? Version, string? Purl, string? Type);

    public static IEnumerable<ReportResult> Parse(JsonStream json, ReportHeader header)
    {
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
        {
            throw json.Error("A CycloneDX BOM is a JSON object.");
        }

        var components = new Dictionary<string, Component>(StringComparer.Ordinal);
        var dependsOn = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? root = null;
        string? specVersion = null;
        List<JsonDocument>? pending = null;
        var index = 0;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            switch (json.Text)
            {
                case "bomFormat":
                    json.Read();
                    if (json.Text != "CycloneDX")
                    {
                        throw json.Error($"bomFormat is \"{json.Text}\", not \"CycloneDX\".");
                    }

                    break;
                case "specVersion":
                    json.Read();
                    specVersion = json.Text;
                    if (!Supported.Contains(specVersion))
                    {
                        throw json.Error($"CycloneDX {specVersion} is not supported: 1.4 to 1.7 carry vulnerabilities (export the BOM with a newer tool).");
                    }

                    break;
                case "metadata":
                    json.Path = "metadata";
                    using (var metadata = json.ReadValue())
                    {
                        var m = metadata!.RootElement;
                        var tools = m.Prop("tools");
                        var tool = tools.ValueKind == JsonValueKind.Array ? tools.EnumerateArray().FirstOrDefault()
                            : tools.Items("components").FirstOrDefault();
                        header.Tool = tool.Str("name") ?? "cyclonedx";
                        header.ToolVersion = tool.Str("version");
                        var component = m.Prop("component");
                        header.Target = component.Str("name") is { } name ? component.Str("version") is { } v && !v.StartsWith("sha256:", StringComparison.Ordinal) ? $"{name}:{v}" : name : null;
                        header.TargetType = component.Str("type");
                        root = component.Str("bom-ref");
                        if (root is not null && component.Str("name") is { } rootName)
                        {
                            components[root] = new Component(rootName, component.Str("version"), component.Str("purl"), component.Str("type"));
                        }
                    }

                    break;
                case "components":
                    json.Path = "components";
                    if (!json.ExpectArrayOrNull("components"))
                    {
                        break;
                    }

                    while (json.ReadValue() is { } document)
                    {
                        using (document)
                        {
                            AddComponents(document.RootElement, components);
                        }
                    }

                    break;
                case "dependencies":
                    json.Path = "dependencies";
                    if (!json.ExpectArrayOrNull("dependencies"))
                    {
                        break;
                    }

                    while (json.ReadValue() is { } document)
                    {
                        using (document)
                        {
                            if (document.RootElement.Str("ref") is { } dependencyRef)
                            {
                                dependsOn[dependencyRef] = document.RootElement.Strings("dependsOn").ToArray();
                            }
                        }
                    }

                    break;
                case "vulnerabilities":
                    json.Path = "vulnerabilities";
                    if (!json.ExpectArrayOrNull("vulnerabilities"))
                    {
                        break;
                    }

                    // Components normally come first; when they do not, keep the vulnerabilities until the end.
                    while (json.ReadValue() is { } document)
                    {
                        json.Path = $"vulnerabilities[{index++}]";
                        (pending ??= []).Add(document);
                        if (components.Count > 0)
                        {
                            foreach (var result in Drain(pending, components, dependsOn, root, header))
                            {
                                yield return result;
                            }
                        }
                    }

                    break;
                default:
                    json.Skip();
                    break;
            }
        }

        if (specVersion is null)
        {
            throw json.Error("Not a CycloneDX BOM: specVersion is required.");
        }

        if (pending is not null)
        {
            foreach (var result in Drain(pending, components, dependsOn, root, header))
            {
                yield return result;
            }
        }
    }

    private static IEnumerable<ReportResult> Drain(List<JsonDocument> pending, Dictionary<string, Component> components,
        Dictionary<string, string[]> dependsOn, string? root, ReportHeader header)
    {
        var direct = root is not null && dependsOn.TryGetValue(root, out var top) ? new HashSet<string>(top, StringComparer.Ordinal) : null;
        foreach (var document in pending)
        {
            using (document)
            {
                foreach (var result in FromVulnerability(document.RootElement, components, direct, dependsOn.Count > 0, header))
                {
                    yield return result;
                }
            }
        }

        pending.Clear();
    }

    private static IEnumerable<ReportResult> FromVulnerability(JsonElement v, Dictionary<string, Component> components, HashSet<string>? direct,
        bool hasDependencyGraph, ReportHeader header)
    {
        var id = v.Str("id");
        var affects = v.Items("affects").ToList();
        if (id is null)
        {
            header.Skipped += Math.Max(1, affects.Count);
            yield break;
        }

        var ratings = v.Items("ratings").ToList();
        var cvss = Cvss(ratings);
        var sourceSeverity = ratings.Select(r => r.Str("severity")).FirstOrDefault(s => s is not null && s != "unknown");
        // The severity of the rating whose vector was chosen, else the first one given, else the CVSS rating.
        var severity = Severities.Parse(cvss is null ? null : RatingOf(ratings, cvss)) ?? Severities.Resolve(sourceSeverity, cvss);
        var analysis = v.Prop("analysis");
        var state = analysis.Str("state");
        var aliases = v.Items("references").Select(r => r.Str("id")).OfType<string>().Where(a => a != id).Distinct().ToList();
        var fixedVersion = v.Str("recommendation") is { } recommendation && FixVersion().Match(recommendation) is { Success: true } fix
            ? fix.Groups[1].Value.TrimEnd('.')
            : null;
        var cwes = v.Items("cwes").Select(c => c.ValueKind == JsonValueKind.Number ? $"CWE-{c.GetRawText()}" : null).OfType<string>().ToList();
        if (affects.Count == 0)
        {
            affects.Add(default);
        }

        foreach (var affect in affects)
        {
            var reference = affect.Str("ref");
            var versions = affect.Items("versions").ToList();
            if (state is "resolved" or "resolved_with_pedigree"
                || (versions.Count > 0 && versions.All(x => x.Str("status") == "unaffected")))
            {
                header.Skipped++;
                continue;
            }

            var component = reference is not null && components.TryGetValue(reference, out var c) ? c : FromPurl(reference);
            yield return new ReportResult
            {
                Kind = ResultKind.Vulnerability,
                RuleId = id,
                Aliases = aliases,
                Description = JsonValues.Clip(v.Str("description") ?? v.Str("detail")),
                Severity = severity,
                SourceSeverity = sourceSeverity,
                PackageName = component?.Name,
                PackageVersion = component?.Version ?? versions.Select(x => x.Str("version")).FirstOrDefault(x => x is not null),
                PackageType = component?.Purl is { } purl ? PurlType(purl) : component?.Type,
                Purl = component?.Purl,
                FixedVersions = fixedVersion is null ? [] : [fixedVersion],
                Target = "",
                Path = component?.Purl ?? reference,
                Cvss = cvss,
                Cwes = cwes,
                Url = v.Prop("source").Str("url") ?? v.Items("advisories").Select(a => a.Str("url")).FirstOrDefault(),
                Published = v.Date("published"),
                Suppressed = state is "not_affected" or "false_positive",
                SuppressionReason = state is "not_affected" or "false_positive"
                    ? $"CycloneDX analysis: {state}{(analysis.Str("justification") is { } j ? " (" + j + ")" : "")}"
                    : null,
                Direct = direct is not null && reference is not null ? direct.Contains(reference) : hasDependencyGraph ? false : null,
            };
        }
    }

    private static void AddComponents(JsonElement component, Dictionary<string, Component> components)
    {
        if (component.Str("name") is { } name)
        {
            var entry = new Component(component.Str("group") is { } group ? $"{group}:{name}" : name, component.Str("version"), component.Str("purl"),
                component.Str("type"));
            if (component.Str("bom-ref") is { } bomRef)
            {
                components[bomRef] = entry;
            }

            if (entry.Purl is not null)
            {
                components.TryAdd(entry.Purl, entry);
            }
        }

        foreach (var child in component.Items("components"))
        {
            AddComponents(child, components);
        }
    }

    /// <summary>v4 before v3.1 before v3 before v2, among ratings that carry a vector.</summary>
    private static CvssScore? Cvss(List<JsonElement> ratings)
    {
        static int Rank(string? method) => method switch { "CVSSv4" => 4, "CVSSv31" => 3, "CVSSv3" => 2, "CVSSv2" => 1, _ => 0 };
        return ratings
            .Where(r => r.Str("vector") is not null)
            .OrderByDescending(r => Rank(r.Str("method")))
            .Select(r => CvssScore.From(r.Str("vector"), r.Double("score")))
            .FirstOrDefault(c => c is not null);
    }

    private static string? RatingOf(List<JsonElement> ratings, CvssScore cvss) =>
        ratings.Where(r => r.Str("vector") == cvss.Vector).Select(r => r.Str("severity")).FirstOrDefault();

    private static Component? FromPurl(string? purl)
    {
        if (purl is null || !purl.StartsWith("pkg:", StringComparison.Ordinal))
        {
            return null;
        }

        var path = purl.Split('?', '#')[0];
        var at = path.LastIndexOf('@');
        var name = at > 0 ? path[..at] : path;
        var slash = name.LastIndexOf('/');
        return new Component(Uri.UnescapeDataString(name[(slash + 1)..]), at > 0 ? Uri.UnescapeDataString(path[(at + 1)..]) : null, purl, PurlType(purl));
    }

    private static string PurlType(string purl) => purl.StartsWith("pkg:", StringComparison.Ordinal) ? purl[4..].Split('/')[0] : purl;

    [GeneratedRegex(@"to version ([^\s,;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex FixVersion();
}
