using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace DeployGuard.Tests.Fixtures;

/// <summary>The real scanner reports under Fixtures/reports (see its SOURCES.md), and an independent count of their results.</summary>
internal static class ReportFixtures
{
    public static string Folder([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "reports");

    public static string PathOf(string name) => Path.Combine(Folder(), name);

    public static string Text(string name) => File.ReadAllText(PathOf(name));

    public static Stream Open(string name) => File.OpenRead(PathOf(name));

    public static IEnumerable<string> All() =>
        Directory.EnumerateFiles(Folder(), "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Folder(), f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    /// <summary>
    /// How many results the file holds, counted with a plain DOM walk, not with the parsers under test: Trivy
    /// vulnerabilities + misconfigurations + secrets + licenses of every target; Grype matches + ignored matches;
    /// SARIF results of every run; CycloneDX one per affected component of each vulnerability; gitleaks array
    /// entries; TruffleHog non-empty lines.
    /// </summary>
    public static int CountResults(string name)
    {
        var text = Text(name);
        var tool = name.Split('/')[0];
        if (tool == "trufflehog")
        {
            return text.Split('\n').Count(l => l.Trim().Length > 0);
        }

        var root = JsonNode.Parse(text);
        static int Len(JsonNode? node) => node is JsonArray a ? a.Count : 0;
        return tool switch
        {
            "trivy" => (root is JsonArray schema1 ? schema1 : root?["Results"] as JsonArray ?? [])
                .Sum(r => Len(r?["Vulnerabilities"]) + Len(r?["Misconfigurations"]) + Len(r?["Secrets"]) + Len(r?["Licenses"])),
            "grype" => Len(root?["matches"]) + Len(root?["ignoredMatches"]),
            "sarif" => (root?["runs"] as JsonArray ?? []).Sum(r => Len(r?["results"])),
            "cyclonedx" => (root?["vulnerabilities"] as JsonArray ?? []).Sum(v => Math.Max(1, Len(v?["affects"]))),
            "gitleaks" => Len(root),
            _ => throw new ArgumentException($"No independent count for {name}."),
        };
    }
}
