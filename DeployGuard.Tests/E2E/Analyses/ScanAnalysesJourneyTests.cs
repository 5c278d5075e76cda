using System.Text.Json;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Fixtures;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Analyses;

/// <summary>Issue 11's analyses in the browser: import a report for an internet-facing service, run the agents from the scan's page, see the dashboard's cost widget.</summary>
[Collection(E2ECollection.Name)]
public sealed class ScanAnalysesJourneyTests(BrowserFixture browser, KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    private const string Password = "Correct-horse-9";

    [Fact]
    public async Task ScanAnalyses_RunFromTheScanPage_CardsPerAgentAndDashboardCosts()
    {
        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1400, Height = 1000 } });
        var ui = new AppPages(await context.NewPageAsync(), app.BaseUrl);
        await ui.RunAsync(nameof(ScanAnalyses_RunFromTheScanPage_CardsPerAgentAndDashboardCosts), async () =>
        {
            await ui.RegisterAsync("analyst@example.com", Password, "Ana Lyst");
            await ui.SignInAsync("analyst@example.com", Password);

            // The signed-in browser's own cookie (and its antiforgery token) calls the API: a service that faces the internet, and a
            // Trivy report for it.
            var headers = await ui.SessionApiHeadersAsync();
            var service = await ui.Page.APIRequest.PostAsync("/api/services", new() { Headers = headers, DataObject = new { name = "shop-api", defaultBranch = "main", internetFacing = true } });
            Assert.True(service.Ok, await service.TextAsync());
            var form = context.APIRequest.CreateFormData();
            form.Set("file", new FilePayload { Name = "trivy-dd-1.json", MimeType = "application/json", Buffer = File.ReadAllBytes(ReportFixtures.PathOf("trivy/trivy-dd-1.json")) });
            form.Set("service", "shop-api");
            form.Set("target", "shop-api:1.4.2");
            var import = await ui.Page.APIRequest.PostAsync("/api/scans/import", new() { Headers = headers, Multipart = form });
            Assert.True(import.Ok, await import.TextAsync());
            var scanId = JsonDocument.Parse(await import.TextAsync()).RootElement.GetProperty("scan_id").GetGuid();

            await ui.GoAsync($"/scans/reports/{scanId}");
            await Expect(ui.Page.GetByText("No analyses yet")).ToBeVisibleAsync();
            await ui.Page.GetByTestId("run-analysis").ClickAsync();

            // One card per agent once the worker stored its run; the secrets in this report make the decision a reject.
            await Expect(ui.Page.GetByTestId("analysis-security")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(ui.Page.GetByTestId("analysis-remediation")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(ui.Page.GetByTestId("analysis-prioritization")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(ui.Page.GetByTestId("analysis-supply_chain")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(ui.Page.GetByTestId("analysis-security").GetByTestId("analysis-decision")).ToContainTextAsync("reject");
            await Expect(ui.Page.GetByTestId("analysis-remediation")).ToContainTextAsync("pip install \"urllib3>=1.26.5\"");
            await Expect(ui.Page.GetByTestId("analysis-prioritization")).ToContainTextAsync("internet-facing");
            await Expect(ui.Page.GetByTestId("run-analysis")).ToHaveTextAsync("Run again");
            await ui.ScreenshotAsync("scan-analyses", forDocs: true);

            await ui.GoAsync("/");
            await Expect(ui.Page.GetByTestId("agent-costs-total")).ToContainTextAsync("4 runs");
            await ui.Page.GetByTestId("agent-costs").ScrollIntoViewIfNeededAsync();
            await ui.ScreenshotAsync("dashboard-agent-costs", forDocs: true);
        });
    }
}
