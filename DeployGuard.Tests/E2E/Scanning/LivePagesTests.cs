using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Scanning;

/// <summary>
/// Open pages follow a scan started elsewhere through the event bus, without polling and without being reloaded: the
/// scans list shows the new scan and its result, the findings list shows what it found.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class LivePagesTests(BrowserFixture browser, KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    private const string Password = "Correct-horse-9";

    [Fact]
    public async Task ScanStartedElsewhere_OpenScansAndFindingsPages_ShowItLive()
    {
        var fake = new FakeSecrets(53);
        using var repo = new TempGitRepo();
        repo.Write("deploy/live.sh", $"export AWS_ACCESS_KEY_ID=AKIA{fake.Base32(16)}\n");
        repo.Commit("deploy script");

        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1400, Height = 1000 } });
        var scans = new AppPages(await context.NewPageAsync(), app.BaseUrl);
        var findings = new AppPages(await context.NewPageAsync(), app.BaseUrl);
        await scans.RunAsync(nameof(ScanStartedElsewhere_OpenScansAndFindingsPages_ShowItLive), async () =>
        {
            var email = $"live-{Guid.NewGuid():N}@example.com";
            await scans.RegisterAsync(email, Password, "Lee Live");
            await scans.SignInAsync(email, Password);
            await scans.GoAsync("/scans");
            await findings.GoAsync("/findings");
            await Expect(findings.Page.GetByText("deploy/live.sh")).Not.ToBeVisibleAsync();

            // Started elsewhere (as the API, the CLI's upload or another instance would), not through these pages.
            var created = await app.Services.GetRequiredService<ScanJobService>().CreateAsync(
                new ScanJobInput { SourcePlatform = SourcePlatform.Local, SourceUrl = repo.Path }, new Caller("e2e-admin", "e2e-admin", [Roles.Admin]));
            Assert.True(created.Succeeded, created.Message);

            await Expect(scans.Page.GetByRole(AriaRole.Link, new() { Name = repo.Path })).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(scans.Page.GetByRole(AriaRole.Gridcell, new() { Name = "1 secret", Exact = true })).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(findings.Page.GetByText("deploy/live.sh")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        }, findings);
    }
}
