using DeployGuard.Scanning;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning;

public sealed class ValuePatternTests
{
    private readonly FakeSecrets _fake = new(3);

    [Fact]
    public void Derive_GitHubToken_KeepsPrefixAndCountsTheRest()
    {
        Assert.Equal("ghp_[alnum:36]", ValuePattern.Derive("gh" + "p_" + _fake.Alnum(36)));
    }

    [Fact]
    public void Derive_KnownPrefix_KeptVerbatim()
    {
        Assert.Equal("AKIA[upper:16]", ValuePattern.Derive("AKIA" + "ABCDEFGHIJKLMNOP", "AKIA"));
    }

    [Fact]
    public void Derive_SlackToken_KeepsSeparators()
    {
        var value = $"xoxb-{_fake.Number(11)}-{_fake.Number(13)}-{_fake.Alnum(24)}";

        Assert.Equal("xoxb-[digit:11]-[digit:13]-[alnum:24]", ValuePattern.Derive(value));
    }

    [Fact]
    public void Derive_Base64_OneClass()
    {
        Assert.Equal("[b64:40]", ValuePattern.Derive("ab+/" + _fake.Base64(36)));
    }

    [Fact]
    public void Derive_HexAndDigits_Classified()
    {
        Assert.Equal("[hex:32]", ValuePattern.Derive(_fake.Hex(32)));
        Assert.Equal("[digit:6]", ValuePattern.Derive("123456"));
        Assert.Equal("[lower:8]", ValuePattern.Derive("password"));
    }

    [Fact]
    public void Matches_DerivedPattern_MatchesSameShapeOnly()
    {
        var pattern = ValuePattern.Derive("gh" + "p_" + _fake.Alnum(36));

        Assert.True(ValuePattern.Matches(pattern, "gh" + "p_" + _fake.Alnum(36)));
        Assert.False(ValuePattern.Matches(pattern, "gh" + "p_" + _fake.Alnum(35)));
        Assert.False(ValuePattern.Matches(pattern, "gh" + "o_" + _fake.Alnum(36)));
    }

    [Fact]
    public void Matches_RangeAndEscapes_Supported()
    {
        Assert.True(ValuePattern.Matches("key-[hex:30-34]", "key-" + _fake.Hex(32)));
        Assert.True(ValuePattern.Matches("a\\[b[digit:2]", "a[b12"));
    }

    [Theory]
    [InlineData("ghp_[alnum]")]
    [InlineData("ghp_[nope:3]")]
    [InlineData("ghp_[alnum:36")]
    [InlineData("")]
    public void IsValid_Malformed_False(string pattern)
    {
        Assert.False(ValuePattern.IsValid(pattern));
    }

    [Fact]
    public void Redact_ShortAndLongValues_ShowFewLeadingCharacters()
    {
        Assert.Equal("******", SecretHasher.Redact("hunter"));
        Assert.Equal("ab" + new string('*', 12), SecretHasher.Redact("abcdefghijklmnop"));
        var token = "ghp_" + _fake.Alnum(36);
        Assert.Equal(token[..6] + new string('*', 12), SecretHasher.Redact(token));
    }

    [Fact]
    public void Hash_KnownValue_IsLowerHexSha256()
    {
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", SecretHasher.Hash("hello"));
    }
}
