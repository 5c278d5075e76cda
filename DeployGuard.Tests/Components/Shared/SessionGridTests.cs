using Bunit;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Web.Components.Shared;
using MudBlazor;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>The sessions list (account and admin pages): its rows, this browser's session, sign-out and search.</summary>
public sealed class SessionGridTests : ComponentTestBase
{
    private const string ChromeOnLinux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private const string FirefoxOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

    private readonly SessionRow _mine;
    private readonly SessionRow _other;

    public SessionGridTests()
    {
        Render<MudPopoverProvider>();
        var now = Clock.GetUtcNow();
        _mine = new SessionRow(Guid.NewGuid(), "u1", "ada@example.com", now.AddHours(-2), now.AddMinutes(-1), null, "10.0.0.1", ChromeOnLinux);
        _other = new SessionRow(Guid.NewGuid(), "u2", "bob@example.com", now.AddDays(-1), now.AddHours(-3), null, "10.0.0.2", FirefoxOnWindows);
    }

    [Fact]
    public void Render_Rows_BrowserNamesAndThisBrowserWithoutSignOut()
    {
        var cut = RenderSessions(showUser: false);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var rows = cut.FindAll("tbody tr").Select(r => r.TextContent).ToList();
        var mine = Assert.Single(rows, r => r.Contains("Chrome on Linux"));
        Assert.Contains("this browser", mine);
        Assert.DoesNotContain("Sign out", mine);
        Assert.Contains("Sign out", Assert.Single(rows, r => r.Contains("Firefox on Windows")));
    }

    [Fact]
    public void SignOutClick_RaisesRevokeWithThatSession()
    {
        SessionRow? revoked = null;
        var cut = RenderSessions(showUser: true, revoke: s => revoked = s);
        cut.WaitForAssertion(() => cut.Find("button[aria-label='Sign out session of bob@example.com from 10.0.0.2']"));

        cut.Find("button[aria-label='Sign out session of bob@example.com from 10.0.0.2']").Click();

        Assert.Equal(_other, revoked);
    }

    [Fact]
    public void Search_ByUserOrBrowser_ShowsOnlyTheMatches()
    {
        Services.GetService<Microsoft.AspNetCore.Components.NavigationManager>()!.NavigateTo("/admin/sessions?q=firefox");

        var cut = RenderSessions(showUser: true);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Contains("bob@example.com", cut.Find("tbody tr").TextContent);
    }

    [Fact]
    public void Render_StillLoading_ShowsTheLoadingState()
    {
        var cut = Render<SessionGrid>(p => p.Add(g => g.Loading, true));

        Assert.Contains("Loading sessions", cut.Find("[role=status]").TextContent);
    }

    [Theory]
    [InlineData(null, "Unknown browser")]
    [InlineData("curl/8.5.0", "curl")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari on macOS")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0", "Edge on Windows")]
    public void Browser_UserAgent_ShortName(string? userAgent, string expected) => Assert.Equal(expected, SessionGrid.Browser(userAgent));

    private IRenderedComponent<SessionGrid> RenderSessions(bool showUser, Action<SessionRow>? revoke = null) => Render<SessionGrid>(p => p
        .Add(g => g.Rows, [_mine, _other])
        .Add(g => g.ShowUser, showUser)
        .Add(g => g.CurrentSessionId, _mine.Id)
        .Add(g => g.Revoke, s => revoke?.Invoke(s)));
}
