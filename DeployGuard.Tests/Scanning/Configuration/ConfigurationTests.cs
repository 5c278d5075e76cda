using System.Text.RegularExpressions;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Rules;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning.Configuration;

public sealed class ConfigurationTests
{
    private readonly FakeSecrets _fake = new(5);

    [Fact]
    public void Load_YamlCustomRule_ExtendsBuiltInsAndDetects()
    {
        using var folder = new TempFolder();
        var file = folder.Write("rules.yaml", """
            rules:
              - id: acme-api-key
                description: ACME API key
                secret_type: api_key
                severity: critical
                regex: 'acme_(?<secret>[a-z0-9]{32})'
                keywords: [acme_]
                entropy: 3.0
                allowlist:
                  stopwords: [dummy]
            allowlist:
              paths: ['(^|/)fixtures/']
            """);

        var configuration = ScannerConfiguration.Load(file);
        var scanner = new SecretScanner(configuration);
        var value = _fake.LowerAlnum(32);

        Assert.Equal(BuiltInRules.All.Count + 1, configuration.Rules.Count);
        var finding = Assert.Single(scanner.ScanText($"key = acme_{value}", "app.cfg"));
        Assert.Equal(("acme-api-key", SecretType.ApiKey, Severity.Critical), (finding.RuleId, finding.SecretType, finding.Severity));
        Assert.Equal(SecretHasher.Hash(value), finding.SecretHash);
        Assert.Empty(scanner.ScanText($"key = acme_{value}", "fixtures/app.cfg"));
        Assert.Single(scanner.ScanText("gh" + "p_" + _fake.Alnum(36), "a.txt"));
    }

    [Fact]
    public void Load_YamlExtendDefaultFalseAndDisabledRules_Respected()
    {
        using var folder = new TempFolder();
        var only = folder.Write("only.yml", """
            extend_default: false
            rules:
              - id: acme
                regex: 'acme_[a-z]{8}'
                keywords: [acme]
            """);
        var disabled = folder.Write("disabled.yml", "disabled_rules: [github-pat]\n");

        Assert.Single(ScannerConfiguration.Load(only).Rules);
        Assert.DoesNotContain(ScannerConfiguration.Load(disabled).Rules, r => r.Id == "github-pat");
    }

    [Fact]
    public void Load_GitleaksToml_TranslatesGoSyntaxAndUsesSecretGroup()
    {
        using var folder = new TempFolder();
        var file = folder.Write(".gitleaks.toml", """
            title = "custom gitleaks config"

            [extend]
            useDefault = true

            [[rules]]
            id = "acme-token"
            description = "ACME token"
            regex = '''(?i)acme[_-]?token\s*=\s*["']?(?P<tok>[[:alnum:]]{24})'''
            secretGroup = 1
            entropy = 3.0
            keywords = ["acme"]
            tags = ["acme", "token"]

                [[rules.allowlists]]
                description = "test values"
                regexTarget = "line"
                regexes = [
                    '''^#''',   # commented out
                ]

            [[rules]]
            id = "legacy-id"
            regex = "legacy_([0-9]{6})"
            keywords = ["legacy_"]

            [allowlist]
            description = "global"
            paths = ['''(^|/)vendor2/''']
            """);

        var configuration = ScannerConfiguration.Load(file);
        var scanner = new SecretScanner(configuration);
        var token = _fake.Alnum(24);

        var acme = configuration.Rules.Single(r => r.Id == "acme-token");
        Assert.Contains("(?<tok>[a-zA-Z0-9]{24})", acme.Pattern);
        Assert.Equal(["acme", "token"], acme.Tags);
        Assert.Equal(SecretHasher.Hash(token), Assert.Single(scanner.ScanText($"ACME_TOKEN = \"{token}\"", "a.env")).SecretHash);
        Assert.Empty(scanner.ScanText($"# acme_token = {token}", "a.env"));
        Assert.Empty(scanner.ScanText($"acme_token = {token}", "vendor2/a.env"));
        Assert.Equal(SecretHasher.Hash("482910"), scanner.ScanText("id = legacy_482910", "a.txt").Single(f => f.RuleId == "legacy-id").SecretHash);
        Assert.Contains(configuration.Rules, r => r.Id == "github-pat");
    }

    /// <summary>
    /// gitleaks' own default configuration: a byte-for-byte copy of config/gitleaks.toml of gitleaks v8.30.1 (commit 83d9cd68,
    /// MIT) in Fixtures/config (see its SOURCES.md), so the test runs on every machine instead of waiting for a shared file.
    /// </summary>
    [Fact]
    public void Load_GitleaksDefaultConfig_LoadsEveryRegexRuleAndDetects()
    {
        var configuration = ScannerConfiguration.Load(
            Path.Combine(RepositoryPaths.RepositoryRoot(), "DeployGuard.Tests", "Fixtures", "config", "gitleaks.toml"));
        var scanner = new SecretScanner(configuration);
        var token = "gh" + "p_" + _fake.Alnum(36);

        // 222 rules, one of which (pkcs12-file) matches file names only.
        Assert.Equal(221, configuration.Rules.Count);
        Assert.Equal(["pkcs12-file"], configuration.SkippedRules);
        Assert.DoesNotContain(configuration.Rules, r => r.Id == "aws-access-key-id");
        // Rules keep the file's order as priority: generic-api-key (listed first) takes an assignment, github-pat a bare token.
        Assert.Equal("generic-api-key", Assert.Single(scanner.ScanText($"GITHUB_TOKEN={token}\n", "ci.env")).RuleId);
        Assert.Equal("github-pat", Assert.Single(scanner.ScanText($"// {token}\n", "notes.md")).RuleId);
    }

    [Fact]
    public void Load_TomlAllowlistConditionAnd_AllowsOnlyWhenPathAndRegexMatch()
    {
        using var folder = new TempFolder();
        var file = folder.Write("and.toml", """
            [[rules]]
            id = "acme"
            regex = '''acme_[a-z0-9]{12}'''
            keywords = ["acme_"]
            [[rules.allowlists]]
            condition = "AND"
            paths = ['''\.bb$''']
            regexTarget = "line"
            regexes = ['''^SRC_URI''']
            """);
        var scanner = new SecretScanner(ScannerConfiguration.Load(file));
        var line = "SRC_URI = acme_" + _fake.LowerAlnum(12);

        Assert.Empty(scanner.ScanText(line, "recipes/app.bb"));
        Assert.Single(scanner.ScanText(line, "notes.txt"));
        Assert.Single(scanner.ScanText("X = acme_" + _fake.LowerAlnum(12), "recipes/app.bb"));
    }

    [Fact]
    public void Load_TomlPathOnlyRule_SkippedAndNamed()
    {
        using var folder = new TempFolder();
        var file = folder.Write("paths.toml", """
            minVersion = "v8.25.0"
            [[rules]]
            id = "pkcs12-file"
            path = '''(?i)\.p(?:12|fx)$'''
            [[rules]]
            id = "kept"
            regex = "kept_[0-9]{6}"
            """);

        var configuration = ScannerConfiguration.Load(file);

        Assert.Equal("kept", Assert.Single(configuration.Rules).Id);
        Assert.Equal(["pkcs12-file"], configuration.SkippedRules);
    }

    [Fact]
    public void Load_RepositoryDeployguardYml_LoadsWithBuiltIns()
    {
        var configuration = ScannerConfiguration.Load(Path.Combine(RepositoryPaths.RepositoryRoot(), ".deployguard.yml"));

        Assert.Equal(BuiltInRules.All.Count, configuration.Rules.Count);
        Assert.Contains(@"^DeployGuard\.Tests/Fixtures/reports/", configuration.GlobalAllowlist.Paths);
    }

    /// <summary>
    /// A nested quantifier, harmless in gitleaks (RE2 is linear-time), on a line that does not match: a backtracking
    /// engine tries every way to split the 40 letters (2^40), gives up at its timeout and the rule is skipped for the
    /// file, so the real secret on the next line was missed. The TOML rule runs NonBacktracking and finds it.
    /// </summary>
    [Fact]
    public void ScanText_Re2RuleOnPathologicalInput_FindsSecret()
    {
        using var folder = new TempFolder();
        var file = folder.Write("re2.toml", """
            [[rules]]
            id = "acme-key"
            regex = '''acme_(?:[a-z]+[_.-]?)+_key=(?P<secret>[0-9]{8})'''
            keywords = ["acme_"]
            """);
        var rule = Assert.Single(ScannerConfiguration.Load(file).Rules);
        var content = "acme_" + new string('a', 40) + "!\nacme_abc_key=48291735\n";

        // The risk, shown on the backtracking engine with a short timeout: it cannot finish the first line.
        Assert.Throws<RegexMatchTimeoutException>(() => new Regex(rule.Pattern, RegexOptions.None, TimeSpan.FromMilliseconds(200)).Match(content));

        var finding = Assert.Single(new SecretScanner(ScannerConfiguration.Load(file)).ScanText(content, "app.conf"));
        Assert.Equal((SecretHasher.Hash("48291735"), 2), (finding.SecretHash, finding.Line));
    }

    [Fact]
    public void Load_TomlWithoutUseDefault_ReplacesBuiltIns()
    {
        using var folder = new TempFolder();
        var file = folder.Write("only.toml", """
            [[rules]]
            id = "only"
            regex = "only_[a-z]{8}"
            """);

        Assert.Equal("only", Assert.Single(ScannerConfiguration.Load(file).Rules).Id);
    }

    [Theory]
    [InlineData("rules.yaml", "rules:\n  - id: broken\n    regex: '(unclosed'\n", "broken")]
    [InlineData("rules.yaml", "rules:\n  - description: no id\n    regex: 'x'\n", "'id' is required")]
    [InlineData("rules.yaml", "rules:\n  - id: x\n    regex: 'x'\n    severty: high\n", "severty")]
    [InlineData("rules.yaml", "rules:\n  - id: x\n    regex: 'x'\n    severity: urgent\n", "urgent")]
    [InlineData("rules.yaml", "disabled_rules: [no-such-rule]\n", "no-such-rule")]
    [InlineData("rules.yaml", "rules: [\n", "invalid YAML")]
    [InlineData("rules.toml", "[[rules]]\nid = \"x\"\nregex = \"x\" junk\n", "TOML line 3")]
    [InlineData("rules.toml", "[[rules]]\nid = \"x\"\nregex = \"x\"\n[[rules]]\nid = \"x\"\nregex = \"y\"\n", "defined twice")]
    [InlineData("rules.toml", "[[rules]]\nid = \"x\"\nregex = \"x\"\n[[rules.allowlists]]\ncondition = \"XOR\"\n", "XOR")]
    [InlineData("rules.toml", "[allowlist]\ncondition = \"AND\"\npaths = ['a']\n", "global allowlist")]
    [InlineData("rules.txt", "x", "extension")]
    public void Load_InvalidFile_ClearMessage(string name, string content, string expected)
    {
        using var folder = new TempFolder();
        var file = folder.Write(name, content);

        var error = Assert.Throws<ScannerConfigurationException>(() => ScannerConfiguration.Load(file));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Load_MissingFile_ClearMessage()
    {
        var error = Assert.Throws<ScannerConfigurationException>(() => ScannerConfiguration.Load("/nonexistent/rules.yaml"));

        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void ScanText_CustomRuleSpanningLines_FoundAcrossLineBreaks()
    {
        using var folder = new TempFolder();
        var file = folder.Write("multi.yaml", """
            extend_default: false
            rules:
              - id: block
                regex: 'BEGIN ACME\n(?<secret>[a-z0-9]{20})\nEND ACME'
                keywords: [begin acme]
            """);
        var value = _fake.LowerAlnum(20);

        var finding = Assert.Single(new SecretScanner(ScannerConfiguration.Load(file)).ScanText($"x\nBEGIN ACME\n{value}\nEND ACME\n"));

        Assert.Equal((3, SecretHasher.Hash(value)), (finding.Line, finding.SecretHash));
    }
}
