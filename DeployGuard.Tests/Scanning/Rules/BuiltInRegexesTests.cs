using System.Text.RegularExpressions;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Detection;
using DeployGuard.Scanning.Rules;

namespace DeployGuard.Tests.Scanning.Rules;

/// <summary>The source-generated regexes are the built-in rules' patterns, character for character.</summary>
public sealed class BuiltInRegexesTests
{
    [Fact]
    public void For_EveryBuiltInRule_GeneratedFromItsPattern()
    {
        foreach (var rule in BuiltInRules.All)
        {
            var regex = BuiltInRegexes.For(rule);

            Assert.True(regex is not null, $"rule '{rule.Id}' has no generated regex equal to its pattern");
            Assert.Equal(RegexOptions.CultureInvariant, regex.Options);
        }

        Assert.Equal(BuiltInRules.All.Select(r => r.Id).Order(), BuiltInRegexes.All.Keys.Order());
    }

    [Fact]
    public void ForAllowlist_EveryBuiltInAllowlistPattern_GeneratedFromItsPattern()
    {
        var patterns = BuiltInRules.DefaultGlobalAllowlist.Paths
            .Concat(BuiltInRules.All.SelectMany(r => r.Allowlists).SelectMany(a => a.Paths.Concat(a.Regexes)))
            .Distinct()
            .ToList();

        Assert.NotEmpty(patterns);
        foreach (var pattern in patterns)
        {
            var regex = BuiltInRegexes.ForAllowlist(pattern);

            Assert.True(regex is not null, $"allowlist pattern '{pattern}' has no generated regex");
            Assert.Equal(pattern, regex.ToString());
            Assert.Equal(RegexOptions.CultureInvariant, regex.Options);
            Assert.Equal(CompiledRule.MatchTimeout, regex.MatchTimeout);
        }

        Assert.Equal(patterns.Order(), BuiltInRegexes.AllowlistPatterns.Keys.Order());
    }

    [Fact]
    public void ForAllowlist_OtherPattern_Null() => Assert.Null(BuiltInRegexes.ForAllowlist("""(?:^|/)yarn\.lock$"""));

    [Fact]
    public void For_BuiltInIdWithOtherPattern_NoGeneratedRegex()
    {
        var rule = BuiltInRules.All.Single(r => r.Id == "github-pat") with { Pattern = "ghp_[a-z]{4}" };

        Assert.Null(BuiltInRegexes.For(rule));
        Assert.Equal(SecretHasher.Hash("ghp_abcd"), Assert.Single(new SecretScanner(new ScannerConfiguration { Rules = [rule] }).ScanText("x ghp_abcd")).SecretHash);
    }
}
