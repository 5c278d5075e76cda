using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Deployments;

/// <summary>
/// Two app instances on one database: A runs the pipeline, B has its runner switched off and only serves pages.
/// A browser on B sees A's stages change live (events cross through LISTEN/NOTIFY).
/// </summary>
[Collection(AppProcessCollection.Name)]
public sealed class TwoInstancesTests : IAsyncLifetime
{
    private DeploymentTestKit _kit = default!;
    private AppProcess _runnerInstance = default!;
    private AppProcess _pageInstance = default!;
    private BrowserSession _browser = default!;

    public async Task InitializeAsync()
    {
        _kit = await DeploymentTestKit.CreateAsync();
        _runnerInstance = await AppProcess.StartAsync(_kit.ConnectionString);
        _pageInstance = await AppProcess.StartAsync(_kit.ConnectionString, settings: new Dictionary<string, string> { ["Jobs:Enabled"] = "false" });
        _browser = await BrowserSession.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _pageInstance.DisposeAsync();
        await _runnerInstance.DisposeAsync();
        await _kit.DisposeAsync();
    }

    [Fact]
    public async Task BrowserOnInstanceB_SeesStagesRunByInstanceA_Live()
    {
        var environment = await _kit.EnvironmentAsync("two");
        var service = await _kit.ServiceAsync("""
            stages:
              - name: first
                kind: command
                run: echo "first on $HOSTNAME"; sleep 1
              - name: hold
                kind: external
                timeout: 120
              - name: last
                kind: command
                run: echo "last stage output"
            """);
        var viewer = await _kit.UserAsync(Roles.Viewer);
        var page = await _browser.SignInAsync(_pageInstance.BaseUrl, viewer.UserName!, "Test-pass-2026");
        var id = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id), environment.Id);

        await page.OpenAsync($"/deployments/{id}");
        await Expect(page.Stage("hold")).ToHaveAttributeAsync("data-stage-status", "Running", new() { Timeout = 30_000 });
        await Expect(page.Stage("first")).ToHaveAttributeAsync("data-stage-status", "Succeeded");
        // The external report comes in through the data layer (not through either instance): B still hears of it.
        var report = await _kit.Get<DeployGuard.Data.Services.Deployments.DeploymentService>().ReportExternalAsync(id, "hold",
            new DeployGuard.Data.Services.Deployments.ExternalReportInput { Succeeded = true, Message = "checked by QA" }, await _kit.UserAsync(Roles.Engineer));
        Assert.True(report.Succeeded);
        await Expect(page.Stage("last")).ToHaveAttributeAsync("data-stage-status", "Succeeded", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("deployment-status")).ToHaveTextAsync("succeeded");
        await Expect(page.GetByRole(AriaRole.Log)).ToContainTextAsync("last stage output");

        await using var db = _kit.Db();
        var runners = await db.DeploymentStages.Where(s => s.DeploymentId == id && s.ClaimedBy != null).Select(s => s.ClaimedBy!).Distinct().ToListAsync();
        var runner = Assert.Single(runners);
        Assert.Contains($"/{_runnerInstance.Process.Id}/", runner);
    }
}
