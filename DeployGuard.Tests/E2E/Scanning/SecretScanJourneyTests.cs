using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Scanning;

/// <summary>
/// Issue 4's browser journey: start a scan of a local repository, watch it finish, mark a false positive,
/// select a real secret for cleaning, and download the cleaned bundle.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class SecretScanJourneyTests(BrowserFixture browser, KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    private const string Password = "Correct-horse-9";

    [Fact]
    public async Task ScanJob_FromTheUi_TriageCleanAndDownloadBundle()
    {
        var fake = new FakeSecrets(41);
        using var repo = new TempGitRepo();
        repo.Write("deploy.sh", $"export AWS_ACCESS_KEY_ID=AKIA{fake.Base32(16)}\necho deploy\n");
        repo.Write("tests/fixtures.py", $"TOKEN = \"ghp_{fake.Alnum(36)}\"\n");
        repo.Commit("add deploy script and fixtures");
        repo.Write("README.md", "# payment-api\n");
        repo.Commit("readme");

        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, AcceptDownloads = true, ViewportSize = new() { Width = 1400, Height = 1000 } });
        var ui = new AppPages(await context.NewPageAsync(), app.BaseUrl);
        await ui.RunAsync(nameof(ScanJob_FromTheUi_TriageCleanAndDownloadBundle), async () =>
        {
            await ui.RegisterAsync("sec@example.com", Password, "Sam Security");
            await ui.SignInAsync("sec@example.com", Password);

            await ui.GoAsync("/scans/new");
            await ui.Page.Locator("#scan-platform").ClickAsync();
            await ui.Page.GetByRole(AriaRole.Option, new() { Name = "Local" }).ClickAsync();
            await ui.Page.GetByLabel("Path on the server").FillAsync(repo.Path);
            await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Start scan" }).ClickAsync();

            // Progress is shown while the worker runs, then the summary replaces it.
            await Expect(ui.Page.GetByText("Secrets found")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(ui.Page.GetByRole(AriaRole.Gridcell, new() { Name = "github-pat" })).ToBeVisibleAsync();

            // The token in the test fixtures is not a secret: mark it, with a reason.
            var fixtureRow = ui.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "tests/fixtures.py" });
            // A server round trip ticks the box: click, then wait for the state.
            await fixtureRow.GetByRole(AriaRole.Checkbox).ClickAsync();
            await Expect(fixtureRow.GetByRole(AriaRole.Checkbox)).ToBeCheckedAsync();
            await ui.Page.GetByRole(AriaRole.Button, new() { Name = "False positive…" }).ClickAsync();
            await ui.Page.GetByLabel("Reason").FillAsync("test fixture");
            await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Expect(ui.Page.GetByText("test fixture").First).ToBeVisibleAsync();

            // The AWS key is real: select it for cleaning and produce the cleaned copy.
            var awsRow = ui.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "deploy.sh" });
            await awsRow.GetByRole(AriaRole.Checkbox).ClickAsync();
            await Expect(awsRow.GetByRole(AriaRole.Checkbox)).ToBeCheckedAsync();
            await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Select for cleaning" }).ClickAsync();
            await Expect(ui.Page.GetByText("to clean")).ToBeVisibleAsync();
            await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Create cleaned copy (1 selected)" }).ClickAsync();
            // The fixture token (a false positive, not selected) is still in the history: the page says so, never "verified clean".
            var summary = ui.Page.GetByTestId("cleaning-summary");
            await Expect(summary).ToContainTextAsync("1 selected secret removed from 1 commit; 1 other finding remains in history.", new() { Timeout = 60_000 });
            await Expect(summary).Not.ToContainTextAsync("verified clean");
            // The proof lists it (inside a closed <details>: nothing selected remains).
            await Expect(summary.Locator("tr").Filter(new() { HasText = "tests/fixtures.py" })).ToHaveCountAsync(1);
            await ui.ScreenshotAsync("scan-detail", forDocs: true);

            var download = await ui.Page.RunAndWaitForDownloadAsync(() =>
                ui.Page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Download bundle") }).ClickAsync());
            Assert.EndsWith(".bundle", download.SuggestedFilename);
            var saved = Path.Combine(Path.GetTempPath(), "dg-e2e-" + download.SuggestedFilename);
            await download.SaveAsAsync(saved);
            using var restored = new TempFolder();
            TempGitRepo.RunGit(restored.Path, "clone", "--quiet", saved, "cleaned");
            Assert.Equal("2", TempGitRepo.RunGit(Path.Combine(restored.Path, "cleaned"), "rev-list", "--count", "HEAD").Trim());
            File.Delete(saved);
        });
    }
}
