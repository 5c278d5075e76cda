using Bunit;
using DeployGuard.Web.Components.Shared;

namespace DeployGuard.Tests.Components.Shared;

public sealed class LocalTimeTests : ComponentTestBase
{
    [Theory]
    [InlineData(-5, "just now")] // clocks of two machines disagree a little
    [InlineData(0, "just now")]
    [InlineData(59, "just now")]
    [InlineData(60, "1 min ago")]
    [InlineData(59 * 60 + 59, "59 min ago")]
    [InlineData(3600, "1 h ago")]
    [InlineData(86_399, "23 h ago")]
    [InlineData(86_400, "1 d ago")]
    [InlineData(29 * 86_400, "29 d ago")]
    [InlineData(30 * 86_400, "1 mo ago")]
    [InlineData(365 * 86_400, "12 mo ago")]
    public void Describe_Age_GivesRoundedDownRelativeText(int seconds, string expected)
    {
        var text = LocalTime.Describe(TimeSpan.FromSeconds(seconds));

        Assert.Equal(expected, text);
    }

    [Fact]
    public void Render_Relative_ShowsAgeWithExactUtcTimeInTooltip()
    {
        var value = Clock.GetUtcNow().AddHours(-3).ToOffset(TimeSpan.FromHours(2));

        var cut = Render<LocalTime>(p => p.Add(c => c.Value, value));

        var time = cut.Find("time");
        Assert.Equal("3 h ago", time.TextContent);
        Assert.Equal("2026-11-21 09:00:00 UTC", time.GetAttribute("title"));
        Assert.Equal(value.ToString("O"), time.GetAttribute("datetime"));
    }

    [Fact]
    public void Render_NotRelative_ShowsUtcTime()
    {
        var value = new DateTimeOffset(2026, 1, 2, 23, 30, 0, TimeSpan.FromHours(-5));

        var cut = Render<LocalTime>(p => p.Add(c => c.Value, value).Add(c => c.Relative, false));

        Assert.Equal("2026-01-03 04:30 UTC", cut.Find("time").TextContent);
    }
}
