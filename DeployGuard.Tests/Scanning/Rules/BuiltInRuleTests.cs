using DeployGuard.Scanning;
using DeployGuard.Scanning.Rules;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning.Rules;

public sealed class BuiltInRuleTests
{
    private static readonly SecretScanner Scanner = new();
    private static readonly IReadOnlyList<SecretSamples.Sample> Samples = SecretSamples.Create();

    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var rule in BuiltInRules.All)
        {
            data.Add(rule.Id);
        }

        return data;
    }

    [Fact]
    public void All_Count_AtLeastFortyWithUniqueIds()
    {
        Assert.True(BuiltInRules.All.Count >= 40, $"only {BuiltInRules.All.Count} rules");
        Assert.Equal(BuiltInRules.All.Count, BuiltInRules.All.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void All_EveryRule_HasSamplesAndKeywords()
    {
        var sampled = Samples.Select(s => s.RuleId).ToHashSet();
        Assert.Empty(BuiltInRules.All.Select(r => r.Id).Except(sampled));
        Assert.DoesNotContain(BuiltInRules.All, r => r.Keywords.Count == 0);
        Assert.Empty(sampled.Except(BuiltInRules.All.Select(r => r.Id)));
    }

    [Fact]
    public void All_ProvidersNamedInTheIssue_AreCovered()
    {
        string[] required =
        [
            "aws-access-key-id", "aws-secret-access-key", "github-pat", "github-fine-grained-pat", "github-oauth-token",
            "github-app-token", "github-refresh-token", "gitlab-pat", "slack-bot-token", "slack-user-token", "slack-webhook-url",
            "stripe-secret-key", "google-api-key", "azure-storage-account-key", "azure-storage-connection-string",
            "twilio-api-key", "sendgrid-api-key", "mailgun-api-key", "npm-access-token", "pypi-upload-token", "nuget-api-key",
            "dockerhub-pat", "heroku-api-key", "shopify-access-token", "telegram-bot-token", "discord-bot-token", "jwt",
            "private-key", "openssh-private-key", "database-url-password", "generic-password", "generic-api-key",
        ];
        Assert.Empty(required.Except(BuiltInRules.All.Select(r => r.Id)));
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Rule_TruePositive_IsReportedByThatRule(string ruleId)
    {
        foreach (var line in Samples.Single(s => s.RuleId == ruleId).Positives)
        {
            var findings = Scanner.ScanText($"// config\n{line}\n", "config.txt");
            Assert.True(findings.Any(f => f.RuleId == ruleId),
                $"{ruleId} missed a true positive; found: [{string.Join(", ", findings.Select(f => f.RuleId))}] in: {line}");
            var finding = findings.First(f => f.RuleId == ruleId);
            Assert.InRange(finding.Line, 2, 2 + line.Count(c => c == '\n'));
            Assert.Null(finding.Suppression);
        }
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Rule_NearMiss_IsNotReportedByThatRule(string ruleId)
    {
        foreach (var line in Samples.Single(s => s.RuleId == ruleId).Negatives)
        {
            var findings = Scanner.ScanText($"{line}\n", "config.txt");
            Assert.False(findings.Any(f => f.RuleId == ruleId), $"{ruleId} reported a near miss: {line}");
        }
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Rule_Finding_CarriesHashAndRedactedPreviewButNeverTheValue(string ruleId)
    {
        var line = Samples.Single(s => s.RuleId == ruleId).Positives[0];
        var finding = Scanner.ScanText(line, "f.txt").First(f => f.RuleId == ruleId);

        Assert.True(SecretHasher.IsValidHash(finding.SecretHash));
        Assert.Contains('*', finding.RedactedPreview);
        // At most the provider prefix and 2 characters.
        var shown = finding.RedactedPreview.TrimEnd('*');
        Assert.True(shown.Length <= (SecretHasher.ProviderPrefix(shown + new string('x', 20))?.Length ?? 0) + 2, finding.RedactedPreview);
        var text = System.Text.Json.JsonSerializer.Serialize(finding, DeployGuard.Scanning.Contracts.ScanningJson.Options) + finding;
        foreach (var token in line.Split([' ', '=', '"', '\'', ':', ';', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(t => t.Length >= 16))
        {
            Assert.DoesNotContain(token, text);
        }
    }

    [Fact]
    public void ScanText_SecretAssignedToGenericName_ReportedByTheSpecificRuleOnly()
    {
        var token = "gh" + "p_" + new FakeSecrets(1).Alnum(36);

        var findings = Scanner.ScanText($"API_TOKEN=\"{token}\"\n");

        var finding = Assert.Single(findings);
        Assert.Equal("github-pat", finding.RuleId);
        Assert.Equal(SecretHasher.Hash(token), finding.SecretHash);
    }

    [Fact]
    public void ScanText_MultiLineKey_ReportsStartAndEndPositions()
    {
        var sample = Samples.Single(s => s.RuleId == "private-key").Positives[0];

        var finding = Scanner.ScanText("first\n  " + sample + "\n", "k.pem").Single();

        Assert.Equal((2, 3), (finding.Line, finding.Column));
        Assert.Equal(2 + sample.Count(c => c == '\n'), finding.EndLine);
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", finding.ValuePattern.Replace("\\", ""));
    }

    [Fact]
    public void ScanText_LargeContent_SameFindingsBeforeAndAfterRegexCompilation()
    {
        // Regexes are interpreted until a rule has scanned 256 KiB, then compiled: results must not change.
        var scanner = new SecretScanner();
        var block = string.Join('\n', Samples.SelectMany(s => s.Positives)) + "\n" + string.Join('\n', Enumerable.Range(0, 200).Select(i => $"token_count = compute_token({i})"));

        var before = scanner.ScanText(block, "a.txt");
        var large = string.Concat(Enumerable.Repeat(block + "\n", 40));
        var after = scanner.ScanText(large, "a.txt");
        var again = scanner.ScanText(block, "a.txt");

        Assert.True(large.Length > 512 * 1024);
        Assert.Equal(before.Count * 40, after.Count);
        Assert.Equal(before.Select(f => (f.RuleId, f.SecretHash, f.Line, f.Column)), again.Select(f => (f.RuleId, f.SecretHash, f.Line, f.Column)));
    }
}
