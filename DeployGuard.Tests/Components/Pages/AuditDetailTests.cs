using Bunit;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Web.Components.Pages.Audit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace DeployGuard.Tests.Components.Pages;

/// <summary>One audit row in full, as a dialog: every field, the details as indented JSON, Close closes it.</summary>
public sealed class AuditDetailTests : ComponentTestBase
{
    [Fact]
    public void ShowAsync_Row_AllFieldsAndIndentedDetails()
    {
        var dialogs = Render<MudDialogProvider>();

        dialogs.InvokeAsync(() => AuditDetail.ShowAsync(Services.GetRequiredService<IDialogService>(), Row("""{"version":"1.2.0","notes":null}""", prev: "")));

        dialogs.WaitForAssertion(() => Assert.Contains("Audit row #12,345", dialogs.Markup));
        Assert.Contains("release.created", dialogs.Markup);
        Assert.Contains("ada@example.com", dialogs.Markup);
        Assert.Contains("(first row)", dialogs.Markup);
        Assert.Contains("\"version\": \"1.2.0\",\n  \"notes\": null", dialogs.Find("pre").TextContent.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void ShowAsync_DetailsNotJson_ShownAsStored()
    {
        var dialogs = Render<MudDialogProvider>();

        dialogs.InvokeAsync(() => AuditDetail.ShowAsync(Services.GetRequiredService<IDialogService>(), Row("not json {", prev: "ab12")));

        dialogs.WaitForAssertion(() => Assert.Equal("not json {", dialogs.Find("pre").TextContent));
        Assert.Contains("ab12", dialogs.Markup);
    }

    [Fact]
    public void CloseClick_ClosesTheDialog()
    {
        var dialogs = Render<MudDialogProvider>();
        dialogs.InvokeAsync(() => AuditDetail.ShowAsync(Services.GetRequiredService<IDialogService>(), Row("{}", prev: "")));
        dialogs.WaitForAssertion(() => dialogs.Find("pre"));

        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Close").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("pre")));
    }

    private AuditRow Row(string details, string prev) => new(12345, Clock.GetUtcNow(), "u1", "ada@example.com", "release.created", "release",
        Guid.NewGuid().ToString(), details, "10.0.0.1", "curl/8", prev, "ff00");
}
