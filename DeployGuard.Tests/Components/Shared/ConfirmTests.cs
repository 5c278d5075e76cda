using Bunit;
using DeployGuard.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>The confirmation dialog: the consequence in words, true only for the named action.</summary>
public sealed class ConfirmTests : ComponentTestBase
{
    [Fact]
    public async Task AskAsync_ActionPressed_ReturnsTrue()
    {
        var dialogs = Render<MudDialogProvider>();

        var answer = Ask(dialogs);
        dialogs.WaitForAssertion(() => Assert.Contains("Its members keep their accounts", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete team").Click();

        Assert.True(await answer);
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Its members keep their accounts", dialogs.Markup));
    }

    [Fact]
    public async Task AskAsync_CancelPressed_ReturnsFalse()
    {
        var dialogs = Render<MudDialogProvider>();

        var answer = Ask(dialogs);
        dialogs.WaitForAssertion(() => Assert.Contains("Delete team", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        Assert.False(await answer);
    }

    [Fact]
    public async Task AskReasonAsync_TooShort_ShowsTheRule_ThenReturnsTheReason()
    {
        var dialogs = Render<MudDialogProvider>();
        var confirm = Services.GetRequiredService<Confirm>();

        var answer = dialogs.InvokeAsync(() => confirm.AskReasonAsync("Roll back", "Reason", "Roll back"));
        dialogs.WaitForAssertion(() => dialogs.Find("textarea"));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Roll back").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("A reason of at least 3 characters is required.", dialogs.Markup));
        await dialogs.Find("textarea").InputAsync(new Microsoft.AspNetCore.Components.ChangeEventArgs { Value = "  smoke test failed  " });
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Roll back").Click();

        Assert.Equal("smoke test failed", await answer);
    }

    // Not awaited before answering: the dialog's result comes only when a button is pressed.
    private Task<bool> Ask(IRenderedComponent<MudDialogProvider> dialogs)
    {
        var confirm = Services.GetRequiredService<Confirm>();
        return dialogs.InvokeAsync(() => confirm.AskAsync("Delete team", "Delete the team 'platform'? Its members keep their accounts.", "Delete team"));
    }
}
