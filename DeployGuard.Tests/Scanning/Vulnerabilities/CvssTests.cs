using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Vulnerabilities;
using DeployGuard.Tests.Fixtures;

namespace DeployGuard.Tests.Scanning.Vulnerabilities;

public sealed class CvssTests
{
    [Theory]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5)]
    [InlineData("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5)]
    [InlineData("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N", 3.7)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4)]
    [InlineData("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0)]
    [InlineData("CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 8.6)]
    [InlineData("AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0)]
    [InlineData("AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2)]
    [InlineData("(AV:N/AC:M/Au:N/C:P/I:P/A:P)", 6.8)]
    [InlineData("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3)]
    [InlineData("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0)]
    public void BaseScore_KnownVectors_SpecificationScore(string vector, double expected)
    {
        Assert.Equal(expected, CvssVector.Parse(vector).BaseScore);
    }

    [Fact]
    public void BaseScore_V4VectorsScoredByFirstCalculator_SameScores()
    {
        var vectors = File.ReadAllLines(DataFile("cvss4-vectors.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' '))
            .ToList();

        var wrong = vectors
            .Select(v => (Vector: v[0], Expected: double.Parse(v[1], CultureInfo.InvariantCulture), Actual: CvssVector.Parse(v[0]).BaseScore))
            .Where(v => v.Expected != v.Actual)
            .Select(v => $"{v.Vector}: expected {v.Expected}, got {v.Actual}")
            .ToList();

        Assert.Equal(80, vectors.Count);
        Assert.Empty(wrong);
    }

    [Fact]
    public void BaseScore_EveryVectorWithScoreInFixtures_ComputedScoreEqualsReported()
    {
        // The shared reports carry NVD's and vendors' own vector + score pairs: an independent check of v2/v3 scoring.
        var pairs = new List<(string Vector, double Score)>();
        foreach (var file in ReportFixtures.All().Where(f => f.EndsWith(".json", StringComparison.Ordinal)))
        {
            Collect(JsonNode.Parse(ReportFixtures.Text(file)), pairs);
        }

        var checkedPairs = pairs.Distinct().ToList();
        var wrong = checkedPairs.Where(p => CvssVector.Parse(p.Vector).BaseScore != p.Score).Select(p => $"{p.Vector}: report {p.Score}").ToList();

        Assert.True(checkedPairs.Count > 100, $"only {checkedPairs.Count} vector/score pairs found");
        Assert.Empty(wrong);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "lacks the base metric(s) A")]
    [InlineData("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "'X' is not a value of Attack Vector (AV)")]
    [InlineData("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV appears twice")]
    [InlineData("CVSS:5.0/AV:N", "version '5.0' is not supported")]
    [InlineData("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", "'S' is not a value of Subsequent System Integrity")]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1", "'ZZ' is not a CVSS 3.1 metric")]
    public void TryParse_BadVector_SaysWhatIsWrong(string vector, string message)
    {
        Assert.False(CvssVector.TryParse(vector, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void Describe_V31Vector_NamesEveryMetricValue()
    {
        var vector = CvssVector.Parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N");

        Assert.Equal("Attack Vector: Network · Attack Complexity: Low · Privileges Required: None · User Interaction: Required · Scope: Unchanged · "
                     + "Confidentiality: High · Integrity: None · Availability: None", vector.Describe());
        Assert.Equal(Severity.Medium, new CvssScore("3.1", vector.Text, vector.BaseScore, true).Rating);
    }

    [Fact]
    public void From_VectorWithoutScore_ComputedAndMarked()
    {
        var score = CvssScore.From("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", null)!;

        Assert.Equal((9.8, true, Severity.Critical), (score.BaseScore, score.Computed, score.Rating));
        Assert.False(CvssScore.From("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)!.Computed);
        Assert.Null(CvssScore.From("not a vector", 5));
    }

    private static void Collect(JsonNode? node, List<(string, double)> pairs)
    {
        switch (node)
        {
            case JsonObject o:
                // Trivy: V3Vector/V3Score, V2Vector/V2Score; Grype: vector + metrics.baseScore; CycloneDX: vector + score.
                foreach (var (vectorKey, scoreKey) in new[] { ("V3Vector", "V3Score"), ("V2Vector", "V2Score"), ("V40Vector", "V40Score") })
                {
                    if (o[vectorKey]?.GetValue<string>() is { Length: > 0 } v && o[scoreKey] is JsonValue s)
                    {
                        pairs.Add((v, s.GetValue<double>()));
                    }
                }

                if (o["vector"] is JsonValue vector && vector.TryGetValue<string>(out var text) && text.Length > 0
                    && (o["metrics"]?["baseScore"] ?? o["score"] ?? o["baseScore"]) is JsonValue score)
                {
                    pairs.Add((text, score.GetValue<double>()));
                }

                foreach (var child in o)
                {
                    Collect(child.Value, pairs);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Collect(child, pairs);
                }

                break;
        }
    }

    private static string DataFile(string name, [CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, name);
}
