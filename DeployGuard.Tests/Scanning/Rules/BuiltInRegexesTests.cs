using System.Text.RegularExpressions;
using DeployGuard.Scanning;
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
    public void For_BuiltInIdWithOtherPattern_NoGeneratedRegex()
    {
        var rule = BuiltInRules.All.Single(r => r.Id == "github-pat") with { Pattern = "ghp_[a-z]{4}" };

        Assert.Null(BuiltInRegexes.For(rule));
        Assert.Equal(SecretHasher.Hash("ghp_abcd"), Assert.Single(new SecretScanner(new ScannerConfiguration { Rules = [rule] }).ScanText("x ghp_abcd")).SecretHash);
    }
}
