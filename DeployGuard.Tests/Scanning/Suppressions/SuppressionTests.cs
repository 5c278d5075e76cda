using DeployGuard.Scanning;
using DeployGuard.Scanning.Rules;
using DeployGuard.Scanning.Suppressions;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning.Suppressions;

public sealed class SuppressionTests
{
    private readonly FakeSecrets _fake = new(11);

    private string Token() => "gh" + "p_" + _fake.Alnum(36);

    [Fact]
    public void ScanText_InlineAllowComment_SuppressedWithReason()
    {
        var findings = new SecretScanner().ScanText($"a = 1\ntoken = \"{Token()}\" # deployguard:allow test fixture\n");

        var finding = Assert.Single(findings);
        Assert.Equal(SuppressionKind.InlineComment, finding.Suppression?.Kind);
        Assert.Contains("line 2", finding.Suppression!.Reason);
    }

    [Fact]
    public void ScanText_AllowCommentOnAnotherLine_NotSuppressed()
    {
        var findings = new SecretScanner().ScanText($"# deployguard:allow\n\ntoken = \"{Token()}\"\n");

        Assert.Null(Assert.Single(findings).Suppression);
    }

    [Fact]
    public void ScanText_BaselineEntry_SuppressesOnlyThatSecretInThatFile()
    {
        var accepted = Token();
        var other = Token();
        var baseline = new Baseline([new BaselineEntry { RuleId = "github-pat", SecretHash = SecretHasher.Hash(accepted), FilePath = "a.txt" }], "base.json");
        var scanner = new SecretScanner(options: new ScanOptions { Baseline = baseline });

        var inA = scanner.ScanText($"x={accepted}\ny={other}\n", "a.txt");
        var inB = scanner.ScanText($"x={accepted}\n", "b.txt");

        Assert.Equal(SuppressionKind.Baseline, inA.Single(f => f.SecretHash == SecretHasher.Hash(accepted)).Suppression?.Kind);
        Assert.Contains("base.json", inA.Single(f => f.SecretHash == SecretHasher.Hash(accepted)).Suppression!.Reason);
        Assert.Null(inA.Single(f => f.SecretHash == SecretHasher.Hash(other)).Suppression);
        Assert.Null(Assert.Single(inB).Suppression);
    }

    [Fact]
    public void Baseline_WithoutPath_SuppressesEverywhere()
    {
        var token = Token();
        var baseline = new Baseline([new BaselineEntry { RuleId = "github-pat", SecretHash = SecretHasher.Hash(token) }]);

        var finding = new SecretScanner(options: new ScanOptions { Baseline = baseline }).ScanText(token, "any/where.txt").Single();

        Assert.Equal(SuppressionKind.Baseline, finding.Suppression?.Kind);
    }

    [Fact]
    public void Baseline_SaveAndLoad_RoundTripsWithoutValues()
    {
        using var folder = new TempFolder();
        var token = Token();
        var findings = new SecretScanner().ScanText($"t={token}", "a.txt");
        var file = Path.Combine(folder.Path, "baseline.json");

        Baseline.FromFindings(findings, "accepted in review").Save(file);
        var loaded = Baseline.Load(file);

        Assert.DoesNotContain(token, File.ReadAllText(file));
        Assert.True(loaded.Contains("github-pat", SecretHasher.Hash(token), "a.txt"));
        Assert.Equal("accepted in review", loaded.Entries.Single().Reason);
    }

    [Fact]
    public void Baseline_Parse_InvalidHash_ClearError()
    {
        var error = Assert.Throws<FormatException>(() => Baseline.Parse("""{"version":1,"findings":[{"ruleId":"x","secretHash":"nothex"}]}""", "b.json"));

        Assert.Contains("nothex", error.Message);
    }

    [Fact]
    public void Baseline_Parse_WrongVersion_ClearError()
    {
        var error = Assert.Throws<FormatException>(() => Baseline.Parse("""{"version":9,"findings":[]}""", "b.json"));

        Assert.Contains("version 9", error.Message);
    }

    [Fact]
    public void ScanText_FalsePositivePatternAboveThreshold_SuppressedWithPatternAndConfidence()
    {
        var token = Token();
        var pattern = new FalsePositivePattern(ValuePattern.Derive(token), 0.92, "CI fixture tokens", 14);
        var scanner = new SecretScanner(options: new ScanOptions { FalsePositivePatterns = [pattern] });

        var finding = scanner.ScanText(token).Single();

        Assert.Equal(SuppressionKind.FalsePositivePattern, finding.Suppression?.Kind);
        Assert.Contains("ghp_[alnum:36]", finding.Suppression!.Reason);
        Assert.Contains("0.92", finding.Suppression.Reason);
        Assert.Contains("CI fixture tokens", finding.Suppression.Reason);
    }

    [Fact]
    public void ScanText_FalsePositivePatternBelowThreshold_NotSuppressed()
    {
        var token = Token();
        var scanner = new SecretScanner(options: new ScanOptions
        {
            FalsePositivePatterns = [new FalsePositivePattern(ValuePattern.Derive(token), 0.5)],
            FalsePositiveMinConfidence = 0.8,
        });

        Assert.Null(scanner.ScanText(token).Single().Suppression);
    }

    [Fact]
    public void ScanText_FalsePositivePatternForOtherRule_NotSuppressed()
    {
        var token = Token();
        var scanner = new SecretScanner(options: new ScanOptions
        {
            FalsePositivePatterns = [new FalsePositivePattern(ValuePattern.Derive(token), 0.99, RuleId: "npm-access-token")],
        });

        Assert.Null(scanner.ScanText(token).Single().Suppression);
    }

    [Fact]
    public void ScanText_RuleAllowlistStopWord_DropsCandidate()
    {
        var configuration = Custom(new RuleAllowlist { StopWords = ["dummy"] });

        Assert.Empty(new SecretScanner(configuration).ScanText("acme_dummy" + _fake.LowerAlnum(27)));
        Assert.Single(new SecretScanner(configuration).ScanText("acme_" + _fake.LowerAlnum(32)));
    }

    [Fact]
    public void ScanText_RuleAllowlistRegexOnLine_DropsCandidate()
    {
        var configuration = Custom(new RuleAllowlist { Regexes = ["^\\s*//"], RegexTarget = AllowlistTarget.Line });
        var scanner = new SecretScanner(configuration);

        Assert.Empty(scanner.ScanText("  // acme_" + _fake.LowerAlnum(32)));
        Assert.Single(scanner.ScanText("key = acme_" + _fake.LowerAlnum(32)));
    }

    [Fact]
    public void ScanText_RuleAllowlistPath_DropsCandidateInThatPathOnly()
    {
        var scanner = new SecretScanner(Custom(new RuleAllowlist { Paths = ["(^|/)testdata/"] }));
        var value = "acme_" + _fake.LowerAlnum(32);

        Assert.Empty(scanner.ScanText(value, "src/testdata/keys.txt"));
        Assert.Single(scanner.ScanText(value, "src/keys.txt"));
    }

    [Fact]
    public void ScanText_GlobalAllowlistPath_LockFilesIgnored()
    {
        var token = Token();

        Assert.Empty(new SecretScanner().ScanText(token, "web/package-lock.json"));
        Assert.Single(new SecretScanner().ScanText(token, "web/package.json"));
    }

    [Fact]
    public void ScanText_AllowlistedSpan_NotReReportedByGenericRule()
    {
        // The docs example key is allowlisted by the AWS rule; a generic rule must not pick it up instead.
        var findings = new SecretScanner().ScanText($"aws_access_key_id = \"{"AK" + "IA"}IOSFODNN7{"EXAMPLE"}\"\nsecret_token = \"{"AK" + "IA"}IOSFODNN7{"EXAMPLE"}\"");

        Assert.Empty(findings);
    }

    private static ScannerConfiguration Custom(RuleAllowlist allowlist) => new()
    {
        Rules =
        [
            new SecretRule
            {
                Id = "acme-key", Description = "ACME key", Pattern = "(?<secret>acme_[a-z0-9]{32})", Keywords = ["acme_"],
                Allowlists = [allowlist],
            },
        ],
    };
}
