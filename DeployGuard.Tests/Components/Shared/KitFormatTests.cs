using Bunit;
using DeployGuard.Data.Entities;
using DeployGuard.Web.Components.Shared;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>Numbers and statuses as people read them.</summary>
public sealed class KitFormatTests : ComponentTestBase
{
    [Theory]
    [InlineData(2.0 / 3, "66.7 %")]
    [InlineData(1.0, "100 %")]
    [InlineData(0.0, "0 %")]
    [InlineData(0.125, "12.5 %")]
    public void Percent_Ratio_OneDecimalWhereItMatters(double ratio, string expected) => Assert.Equal(expected, Format.Percent(ratio));

    [Fact]
    public void Percent_NoData_IsADash() => Assert.Equal("—", Format.Percent(null));

    [Theory]
    [InlineData(1, "line", null, "1 line")]
    [InlineData(2, "secret", null, "2 secrets")]
    [InlineData(0, "finding", null, "0 findings")]
    [InlineData(12400, "commit", null, "12,400 commits")]
    [InlineData(3, "person", "people", "3 people")]
    public void Count_Number_Pluralises(long count, string singular, string? plural, string expected) =>
        Assert.Equal(expected, Format.Count(count, singular, plural));

    [Theory]
    [InlineData(DeploymentStatus.Succeeded, "succeeded", "mud-chip-color-success")]
    [InlineData(DeploymentStatus.RolledBack, "rolled back", "mud-chip-color-warning")]
    [InlineData(FindingStatus.FalsePositive, "false positive", "mud-chip-color-default")]
    [InlineData(FindingStatus.Open, "open", "mud-chip-color-error")]
    [InlineData(ScanStatus.Pending, "queued", "mud-chip-color-default")]
    [InlineData(StageStatus.Running, "running", "mud-chip-color-info")]
    public void StatusBadge_Value_WordsColourAndIcon(Enum status, string label, string colourClass)
    {
        var cut = Render<StatusBadge>(p => p.Add(b => b.Value, status));

        var chip = cut.Find(".mud-chip");
        Assert.Equal(label, chip.TextContent.Trim());
        Assert.Contains(colourClass, chip.ClassName);
        Assert.NotNull(chip.QuerySelector("svg"));
        Assert.Equal(status.ToString(), chip.GetAttribute("data-status"));
    }

    [Fact]
    public void Truncated_LongEmail_WholeValueOnHover()
    {
        const string email = "someone.with.a.very.long.name@subsidiary.example.com";

        var cut = Render<Truncated>(p => p.Add(t => t.Text, email).Add(t => t.MaxWidth, "10rem"));

        var span = cut.Find("span.dg-truncate");
        Assert.Equal(email, span.GetAttribute("title"));
        Assert.Equal(email, span.TextContent);
    }

    [Theory]
    [InlineData("user.preferences_updated", "user.|preferences_|updated")]
    [InlineData("environment.freeze_window_removed", "environment.|freeze_|window_|removed")]
    [InlineData(".github/workflows/release.yml:6", ".github/|workflows/|release.|yml:6")]
    [InlineData("api_key", "api_|key")]
    [InlineData("token", "token")]
    public void MachineName_Separators_BreakOnlyAfterThem(string name, string expected)
    {
        var cut = Render<MachineName>(p => p.Add(m => m.Text, name));

        // The audit log at 1280 px showed "user.preferences_update" / "d": a cell that wraps anywhere cut the word.
        var span = cut.Find("span.dg-mono");
        Assert.Equal(name, span.TextContent);
        Assert.Equal(expected, string.Join("|", span.InnerHtml.Split("<wbr>", StringSplitOptions.RemoveEmptyEntries)));
    }
}
