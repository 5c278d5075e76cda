using DeployGuard.Tests.E2E.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Foundation;

/// <summary>
/// The foundation issue's end-to-end journey in a real browser against the real app on Kestrel and PostgreSQL:
/// first user becomes admin, catalog CRUD, an invited viewer is kept out of admin pages, revoking the viewer's session
/// signs that browser out, and the audit log shows it all with an intact chain.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class FoundationJourneyTests(BrowserFixture browser, KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    private const string Password = "Correct-horse-9";
    private readonly KestrelAppFactory _app = app;

    [Fact]
    public async Task FirstAdmin_ManagesCatalog_RevokesViewerSession_AuditChainVerifies()
    {
        await using var adminContext = await browser.Browser.NewContextAsync(new() { BaseURL = _app.BaseUrl, ViewportSize = new() { Width = 1400, Height = 900 } });
        var admin = new AppPages(await adminContext.NewPageAsync(), _app.BaseUrl);
        await using var viewerContext = await browser.Browser.NewContextAsync(new() { BaseURL = _app.BaseUrl, ViewportSize = new() { Width = 1400, Height = 900 } });
        var viewer = new AppPages(await viewerContext.NewPageAsync(), _app.BaseUrl);

        await admin.RunAsync(nameof(FirstAdmin_ManagesCatalog_RevokesViewerSession_AuditChainVerifies), async () =>
        {
            // The first account on an empty database becomes Admin.
            await admin.RegisterAsync("ada@example.com", Password, "Ada Admin");
            await admin.SignInAsync("ada@example.com", Password);
            await Expect(admin.Page.GetByRole(AriaRole.Link, new() { Name = "Audit log" })).ToBeVisibleAsync();
            await admin.SignOutAsync();
            await admin.SignInAsync("ada@example.com", Password);

            // Team, with a validation error shown next to the field first.
            await admin.GoAsync("/teams/new");
            await admin.Page.GetByLabel("Name").FillAsync("Platform");
            await admin.Page.GetByLabel("Slack channel").FillAsync("not a channel");
            await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
            await Expect(admin.Page.GetByText("Slack channel looks like #team-platform")).ToBeVisibleAsync();
            await admin.Page.GetByLabel("Slack channel").FillAsync("#team-platform");
            // Leave the field first and let the message go: the field commits its value on blur, and the message's line
            // vanishing moves the button up under a click that was already on its way (the click then hit nothing).
            await admin.Page.GetByLabel("Slack channel").PressAsync("Tab");
            await Expect(admin.Page.GetByText("Slack channel looks like #team-platform")).ToBeHiddenAsync();
            await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
            await Expect(admin.Page.GetByRole(AriaRole.Heading, new() { Name = "Platform" })).ToBeVisibleAsync();

            await admin.GoAsync("/environments/new");
            await admin.Page.GetByLabel("Name").FillAsync("Production");
            await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Create environment" }).ClickAsync();
            // Back on the list, the new environment's name links to its edit page.
            await Expect(admin.Page.GetByRole(AriaRole.Link, new() { Name = "Production", Exact = true })).ToBeVisibleAsync();

            await admin.GoAsync("/services/new");
            await admin.Page.GetByLabel("Name").FillAsync("payment-api");
            await admin.Page.GetByLabel("Repository URL").FillAsync("https://github.com/acme/payment-api.git");
            await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Create service" }).ClickAsync();
            await Expect(admin.Page.GetByRole(AriaRole.Heading, new() { Name = "payment-api" })).ToBeVisibleAsync();

            await admin.GoAsync("/services");
            await Expect(admin.Page.GetByRole(AriaRole.Link, new() { Name = "payment-api" })).ToBeVisibleAsync();
            await admin.GoAsync("/teams");
            await Expect(admin.Page.GetByRole(AriaRole.Link, new() { Name = "Platform", Exact = true })).ToBeVisibleAsync();
            await admin.ScreenshotAsync("foundation-teams", forDocs: true);

            // Everyone after the first gets in by invitation: the admin invites a Viewer, who reads the catalog but not admin pages.
            var invitation = await admin.InviteAsync("vic@example.com", "Viewer");
            await viewer.AcceptInvitationAsync(invitation, Password, "Vic Viewer");
            await viewer.GoAsync("/services");
            await Expect(viewer.Page.GetByRole(AriaRole.Link, new() { Name = "payment-api" })).ToBeVisibleAsync();
            // "New service" is a link to the form (MudButton with Href), and absent for a viewer.
            await Expect(viewer.Page.GetByRole(AriaRole.Link, new() { Name = "New service" })).ToHaveCountAsync(0);
            // Typed into the address bar: the server refuses before rendering anything.
            await viewer.Page.GotoAsync(_app.BaseUrl + "/admin/users");
            await Expect(viewer.Page.GetByText("You don't have access to this page")).ToBeVisibleAsync();
            // Navigated to inside the app: the router shows the same refusal.
            await viewer.GoAsync("/");
            await viewer.Page.EvaluateAsync("Blazor.navigateTo('/audit')");
            await Expect(viewer.Page.GetByText("You don't have access to this page")).ToBeVisibleAsync();
            await viewer.GoAsync("/");

            // The admin revokes the viewer's session; the viewer's open page is signed out.
            await admin.GoAsync("/admin/sessions");
            var viewerRow = admin.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Vic Viewer" });
            await viewerRow.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
            await Expect(admin.Page.GetByText("Session revoked")).ToBeVisibleAsync();
            await viewer.Page.WaitForURLAsync(url => url.Contains("/Account/Login"), new() { Timeout = 30_000 });

            // The audit log shows what happened and the hash chain verifies.
            await admin.GoAsync("/audit");
            await Expect(admin.Page.GetByText("Chain intact")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            foreach (var action in new[] { "session.revoked", "service.created", "environment.created", "team.created", "auth.sign_in", "user.role_changed" })
            {
                await Expect(admin.Page.GetByRole(AriaRole.Cell, new() { Name = action, Exact = true }).First).ToBeVisibleAsync();
            }

            await admin.ScreenshotAsync("foundation-audit", forDocs: true);
        }, viewer);
    }
}
