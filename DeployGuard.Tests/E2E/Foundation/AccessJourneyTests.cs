using System.Text.RegularExpressions;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Foundation;

/// <summary>Collects Content-Security-Policy violations of a page: the browser's console reports and the DOM event.</summary>
internal sealed class CspWatch
{
    private readonly List<string> _violations = [];

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_violations)
            {
                return [.. _violations];
            }
        }
    }

    public static async Task<CspWatch> AttachAsync(IBrowserContext context)
    {
        var watch = new CspWatch();
        await context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI"
            + " + ' at ' + location.pathname + ' ' + (e.sample || '') + ' ' + e.sourceFile + ':' + e.lineNumber));");
        context.Console += (_, message) =>
        {
            if (message.Type == "error" && (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)
                                            || message.Text.StartsWith("CSP violation", StringComparison.Ordinal)))
            {
                lock (watch._violations)
                {
                    watch._violations.Add($"{message.Text} ({message.Location})");
                }
            }
        };
        return watch;
    }
}

/// <summary>
/// Who gets in, in a real browser, with the default policy: the first account bootstraps as admin, a visitor finds
/// registration closed, the admin invites an engineer into a team, and every page works under the CSP.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class AccessJourneyTests(BrowserFixture browser, KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    private const string Password = "Correct-horse-9";

    [Fact]
    public async Task FirstAdmin_InvitesEngineer_VisitorFindsRegistrationClosed_PagesKeepTheCsp()
    {
        await using var adminContext = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1400, Height = 900 } });
        var csp = await CspWatch.AttachAsync(adminContext);
        var admin = new AppPages(await adminContext.NewPageAsync(), app.BaseUrl);
        await using var visitorContext = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1400, Height = 900 } });
        var visitorCsp = await CspWatch.AttachAsync(visitorContext);
        var visitor = new AppPages(await visitorContext.NewPageAsync(), app.BaseUrl);

        await admin.RunAsync(nameof(FirstAdmin_InvitesEngineer_VisitorFindsRegistrationClosed_PagesKeepTheCsp), async () =>
        {
            await admin.RegisterAsync("root@example.com", Password, "Rita Root");
            await admin.SignInAsync("root@example.com", Password);
            await admin.GoAsync("/teams/new");
            await admin.Page.GetByLabel("Name").FillAsync("Payments");
            await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
            await Expect(admin.Page.GetByRole(AriaRole.Heading, new() { Name = "Payments" })).ToBeVisibleAsync();

            // After the bootstrap, registration is by invitation only.
            await visitor.Page.GotoAsync(app.BaseUrl + "/Account/Register");
            await Expect(visitor.Page.GetByText("Registration is by invitation")).ToBeVisibleAsync();
            await Expect(visitor.Page.GetByLabel("Password", new() { Exact = true })).ToHaveCountAsync(0);
            await visitor.ScreenshotAsync("access-registration-closed", forDocs: true);

            // The admin invites an engineer into Payments; without a mail server the page shows the link.
            var link = await admin.InviteAsync("erin@example.com", "Engineer", "Payments");
            Assert.Matches(new Regex("/Account/Register\\?invite=dgi_"), link);
            await Expect(admin.Page.GetByRole(AriaRole.Table, new() { Name = "Invitations" }).GetByText("erin@example.com")).ToBeVisibleAsync();
            await admin.ScreenshotAsync("access-invite", forDocs: true);

            await visitor.AcceptInvitationAsync(link, Password, "Erin Engineer");
            await visitor.GoAsync("/teams");
            await visitor.Page.GetByRole(AriaRole.Link, new() { Name = "Payments" }).ClickAsync();
            await Expect(visitor.Page.GetByText("Erin Engineer")).ToBeVisibleAsync();
            // The link worked once.
            await visitor.Page.GotoAsync(link);
            await Expect(visitor.Page.GetByText("not valid any more")).ToBeVisibleAsync();

            // Pages work under the CSP: interactive (the circuit is up), and the browser reported no violation.
            foreach (var path in new[] { "/", "/deployments", "/releases", "/services", "/environments", "/board", "/scans", "/findings", "/audit", "/admin/users",
                         "/admin/sessions", "/admin/outbox", "/account/tokens", "/account/preferences" })
            {
                await admin.GoAsync(path);
            }

            await admin.Page.GotoAsync(app.BaseUrl + "/Account/Manage");
            await Expect(admin.Page.GetByRole(AriaRole.Heading, new() { Name = "Manage your account" })).ToBeVisibleAsync();
            Assert.True(csp.Violations.Count == 0, string.Join("\n", csp.Violations));
            Assert.True(visitorCsp.Violations.Count == 0, string.Join("\n", visitorCsp.Violations));
        }, visitor);
    }
}

/// <summary>The app with <c>Auth:Registration=Open</c>, on a real port.</summary>
public sealed class OpenRegistrationKestrelFactory : KestrelAppFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Auth:Registration", "Open");
    }
}

/// <summary>Open registration in a real browser: a self-registered account waits for an admin, seeing only a note saying so.</summary>
[Collection(E2ECollection.Name)]
public sealed class PendingAccountJourneyTests(BrowserFixture browser, OpenRegistrationKestrelFactory app) : IClassFixture<OpenRegistrationKestrelFactory>
{
    private const string Password = "Correct-horse-9";

    [Fact]
    public async Task SelfRegistered_SeesPendingPage_UntilAnAdminGivesARole()
    {
        var admin = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1400, Height = 900 } });
        var csp = await CspWatch.AttachAsync(context);
        var user = new AppPages(await context.NewPageAsync(), app.BaseUrl);
        var email = $"pat-{Guid.NewGuid():N}@example.com";

        await user.RunAsync(nameof(SelfRegistered_SeesPendingPage_UntilAnAdminGivesARole), async () =>
        {
            await user.Page.GotoAsync(app.BaseUrl + "/Account/Register");
            await user.Page.GetByLabel("Email").FillAsync(email);
            await user.Page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
            await user.Page.GetByLabel("Confirm Password").FillAsync(Password);
            await user.Page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
            // No link on the page: only the bootstrap admin sees one. The link went to the outbox.
            await Expect(user.Page.GetByRole(AriaRole.Heading, new() { Name = "Check your email" })).ToBeVisibleAsync();
            await Expect(user.Page.GetByRole(AriaRole.Link, new() { Name = "Confirm my account" })).ToHaveCountAsync(0);
            var body = (await Sql.ListAsync<string>(app.ConnectionString, "SELECT html_body FROM email_outbox WHERE \"to\" = @e", ("e", email))).Single();
            var confirm = System.Net.WebUtility.HtmlDecode(Regex.Match(body, "href=\"([^\"]+)\"").Groups[1].Value);
            await user.Page.GotoAsync(confirm);
            await Expect(user.Page.GetByText("An administrator now gives your account a role")).ToBeVisibleAsync();

            // Signed in, sent to the dashboard, refused there: the access-denied page says why.
            await user.Page.GotoAsync(app.BaseUrl + "/Account/Login");
            await user.Page.GetByLabel("Email").FillAsync(email);
            await user.Page.GetByLabel("Password").FillAsync(Password);
            await user.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(user.Page.Locator("#pending-approval")).ToBeVisibleAsync();
            await Expect(user.Page.GetByRole(AriaRole.Heading, new() { Name = "Your account waits for an administrator" })).ToBeVisibleAsync();
            await user.ScreenshotAsync("access-pending", forDocs: true);
            // Every page, not just the dashboard.
            await user.Page.GotoAsync(app.BaseUrl + "/deployments");
            await Expect(user.Page.Locator("#pending-approval")).ToBeVisibleAsync();

            var userId = await Sql.ScalarAsync<string>(app.ConnectionString, "SELECT id FROM users WHERE email = @e", ("e", email));
            var changed = await app.Services.GetRequiredService<UserAdminService>()
                .ChangeRoleAsync(userId, Roles.Viewer, new Caller(admin.Id, admin.Email, [Roles.Admin]));
            Assert.True(changed.Succeeded, changed.Message);
            // The role change ends the session (new security stamp); signing in again shows the dashboard.
            await user.SignInAsync(email, Password);
            await Expect(user.Page.Locator("#pending-approval")).ToHaveCountAsync(0);
            await Expect(user.Page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
            Assert.True(csp.Violations.Count == 0, string.Join("\n", csp.Violations));
        });
    }
}
