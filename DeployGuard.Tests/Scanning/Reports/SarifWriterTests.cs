using System.Text.Json;
using System.Text.Json.Nodes;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Scanning.Reports;
using DeployGuard.Scanning.Suppressions;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning.Reports;

public sealed class SarifWriterTests
{
    private readonly FakeSecrets _fake = new(31);

    [Fact]
    public void Write_Findings_ValidSarif210Structure()
    {
        var token = "gh" + "p_" + _fake.Alnum(36);
        var accepted = "np" + "m_" + _fake.Alnum(36);
        var scanner = new SecretScanner(options: new ScanOptions
        {
            Baseline = new Baseline([new BaselineEntry { RuleId = "npm-access-token", SecretHash = SecretHasher.Hash(accepted) }]),
        });
        var findings = scanner.ScanText($"a={token}\nb={accepted}\nc=\"{token}\" # deployguard:allow\n", "src/my dir/app.env");

        var sarif = SarifWriter.Write(Report(findings));

        AssertValidSarif(sarif);
        Assert.DoesNotContain(token, sarif);
        Assert.DoesNotContain(accepted, sarif);
        var results = JsonNode.Parse(sarif)!["runs"]![0]!["results"]!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.Equal("src/my%20dir/app.env", (string?)results[0]!["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]);
        Assert.Equal(["external", "inSource"], results.Where(r => r!["suppressions"] is not null).Select(r => (string)r!["suppressions"]![0]!["kind"]!).Order().ToArray());
    }

    [Fact]
    public void Write_NoFindings_ValidEmptyRun()
    {
        var sarif = SarifWriter.Write(Report([]));

        AssertValidSarif(sarif);
        Assert.Empty(JsonNode.Parse(sarif)!["runs"]![0]!["results"]!.AsArray());
    }

    /// <summary>
    /// The parts of SARIF 2.1.0 that the OASIS schema requires and GitHub code scanning reads
    /// (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
    /// </summary>
    internal static void AssertValidSarif(string sarif)
    {
        var root = JsonNode.Parse(sarif)!.AsObject();
        Assert.Equal("2.1.0", (string?)root["version"]);
        Assert.StartsWith("https://", (string?)root["$schema"]);
        var runs = root["runs"]!.AsArray();
        Assert.NotEmpty(runs);
        foreach (var run in runs)
        {
            var driver = run!["tool"]!["driver"]!;
            Assert.False(string.IsNullOrEmpty((string?)driver["name"]));
            var rules = driver["rules"]?.AsArray() ?? [];
            var ids = rules.Select(r => (string)r!["id"]!).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            foreach (var rule in rules)
            {
                Assert.False(string.IsNullOrEmpty((string?)rule!["shortDescription"]!["text"]));
                Assert.Contains((string?)rule["defaultConfiguration"]!["level"], new[] { "none", "note", "warning", "error" });
                Assert.True(double.TryParse((string?)rule["properties"]!["security-severity"], System.Globalization.CultureInfo.InvariantCulture, out _));
            }

            foreach (var result in run["results"]!.AsArray())
            {
                Assert.False(string.IsNullOrEmpty((string?)result!["message"]!["text"]));
                var ruleId = (string)result["ruleId"]!;
                Assert.Equal(ids.IndexOf(ruleId), (int)result["ruleIndex"]!);
                Assert.Contains((string?)result["level"], new[] { "none", "note", "warning", "error" });
                var location = result["locations"]!.AsArray().Single()!["physicalLocation"]!;
                var uri = (string)location["artifactLocation"]!["uri"]!;
                Assert.True(Uri.IsWellFormedUriString(uri, UriKind.Relative), uri);
                var region = location["region"]!;
                Assert.True((int)region["startLine"]! >= 1);
                Assert.True((int)region["startColumn"]! >= 1);
                Assert.True((int)region["endLine"]! >= (int)region["startLine"]!);
                Assert.NotNull(result["partialFingerprints"]!.AsObject().Single().Value!.GetValue<string>());
                foreach (var suppression in result["suppressions"]?.AsArray() ?? [])
                {
                    Assert.Contains((string?)suppression!["kind"], new[] { "inSource", "external" });
                }
            }
        }
    }

    internal static ScanReport Report(IReadOnlyList<Finding> findings, string mode = ScanModes.Directory) => new()
    {
        Tool = new ToolInfo("deployguard", "1.2.3"),
        Mode = mode,
        StartedAt = DateTimeOffset.UnixEpoch,
        CompletedAt = DateTimeOffset.UnixEpoch.AddSeconds(1),
        Statistics = new ScanStatistics(1, 10, 0, 1),
        Findings = findings,
    };

    [Fact]
    public void ScanningJson_Report_RoundTripsWithSnakeCaseEnums()
    {
        var findings = new SecretScanner().ScanText("k=" + "np" + "m_" + _fake.Alnum(36), "a.txt");
        var json = JsonSerializer.Serialize(Report(findings), ScanningJson.Options);

        var back = JsonSerializer.Deserialize<ScanReport>(json, ScanningJson.Options)!;

        Assert.Contains("\"secretType\":\"token\"", json);
        Assert.Contains("\"severity\":\"critical\"", json);
        Assert.Equal(findings.Single(), back.Findings.Single());
        Assert.Empty(ContractValidation.Validate(back));
    }
}
