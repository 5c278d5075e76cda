using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Deployments;

/// <summary>
/// A real browser against the real app (a child process on a free port, its own runner running real shell commands):
/// an engineer deploys to staging and watches the stages turn green, an approver approves production in a second
/// browser context, and a failing smoke test leads to a rollback from the UI.
/// </summary>
[Collection(AppProcessCollection.Name)]
public sealed class DeployApproveRollbackTests(ITestOutputHelper output) : AppInBrowserTest
{
    private const string Password = "Test-pass-2026";

    // The smoke test fails for 1.1.0, so that release gets rolled back.
    private const string Pipeline = """
        stages:
          - name: build
            kind: command
            run: echo "building $DG_SERVICE $DG_RELEASE_VERSION"; sleep 1
          - name: test
            kind: command
            run: for i in 1 2 3; do echo "test suite $i passed"; done; sleep 1
          - name: security_scan
            kind: security_gate
          - name: approval
            kind: approval
            protected_only: true
          - name: deploy
            kind: command
            run: echo "deploying $DG_RELEASE_VERSION to $DG_ENVIRONMENT"; sleep 1
          - name: smoke_test
            kind: command
            run: if [ "$DG_RELEASE_VERSION" = "1.1.0" ]; then echo "GET /health returned 500" >&2; exit 1; fi; echo "smoke test passed"
        """;

    [Fact]
    public async Task EngineerDeploys_ApproverApproves_FailedSmokeTestIsRolledBack()
    {
        await using (var db = Kit.Db())
        {
            db.Environments.AddRange(
                new DeploymentEnvironment { Id = Guid.CreateVersion7(), Name = "staging", Type = EnvironmentType.Staging, SortOrder = 10 },
                new DeploymentEnvironment
                {
                    Id = Guid.CreateVersion7(), Name = "production", Type = EnvironmentType.Production, SortOrder = 20, IsProtected = true, RequiredApprovals = 1,
                });
            await db.SaveChangesAsync();
        }

        var service = await Kit.ServiceAsync(Pipeline);
        var good = await Kit.ReleaseAsync(service.Id, "1.0.0", commit: "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39");
        var bad = await Kit.ReleaseAsync(service.Id, "1.1.0", commit: "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807");
        var engineer = await Kit.UserAsync(Roles.Engineer, "Eve Engineer");
        var approver = await Kit.UserAsync(Roles.Approver, "Abe Approver");
        var engineerPage = await Browser.SignInAsync(App.BaseUrl, engineer.UserName!, Password);
        var approverPage = await Browser.SignInAsync(App.BaseUrl, approver.UserName!, Password);

        try
        {
            // 1. Deploy 1.0.0 to staging and watch the stages turn green without reloading.
            await DeployAsync(engineerPage, good, "staging");
            foreach (var stage in new[] { "build", "test", "security_scan", "deploy", "smoke_test" })
            {
                await Expect(engineerPage.Stage(stage)).ToHaveAttributeAsync("data-stage-status", "Succeeded", new() { Timeout = 30_000 });
            }

            await Expect(engineerPage.GetByTestId("deployment-status")).ToHaveTextAsync("succeeded");
            await Expect(engineerPage.GetByRole(AriaRole.Log)).ToContainTextAsync("smoke test passed");
            await engineerPage.ScreenshotAsync("deployment-staging-succeeded.png");

            // 2. Production waits for approval; the approver gets a badge, approves from the inbox, the engineer sees it go on.
            await DeployAsync(engineerPage, good, "production");
            await Expect(engineerPage.Stage("approval")).ToHaveAttributeAsync("data-stage-status", "Running", new() { Timeout = 30_000 });
            await Expect(engineerPage.GetByTestId("cannot-decide")).ToBeVisibleAsync();
            await approverPage.OpenAsync("/approvals");
            await Expect(approverPage.GetByTestId("approvals-badge")).ToHaveTextAsync("1");
            var card = approverPage.GetByLabel($"Approval for {service.Name} 1.0.0 to production");
            // Nothing was ever scanned: the gate never approves with nothing checked, it warns and the deployment goes on.
            await Expect(card).ToContainTextAsync("Warn: production's preset policy warns; the deployment continues. Checked: nothing");
            await card.GetByLabel($"Note for {service.Name} 1.0.0").FillAsync("Looks good, ship it");
            await approverPage.ScreenshotAsync("approvals-inbox.png");
            await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
            await Expect(approverPage.GetByText("Nothing waits for approval")).ToBeVisibleAsync();
            await Expect(engineerPage.Stage("approval")).ToHaveAttributeAsync("data-stage-status", "Succeeded");
            await Expect(engineerPage.Stage("smoke_test")).ToHaveAttributeAsync("data-stage-status", "Succeeded", new() { Timeout = 30_000 });
            await Expect(engineerPage.GetByText("Looks good, ship it").First).ToBeVisibleAsync();
            await engineerPage.ScreenshotAsync("deployment-production-approved.png");

            // 3. 1.1.0 fails its smoke test on staging; the engineer rolls back from the UI to 1.0.0.
            await DeployAsync(engineerPage, bad, "staging");
            await Expect(engineerPage.Stage("smoke_test")).ToHaveAttributeAsync("data-stage-status", "Failed", new() { Timeout = 30_000 });
            await Expect(engineerPage.GetByTestId("deployment-status")).ToHaveTextAsync("failed");
            await Expect(engineerPage.GetByRole(AriaRole.Log)).ToContainTextAsync("GET /health returned 500");
            await engineerPage.ScreenshotAsync("deployment-smoke-test-failed.png");
            await engineerPage.GetByRole(AriaRole.Button, new() { Name = "Roll back", Exact = true }).ClickAsync();
            await engineerPage.GetByLabel("Reason").FillAsync("Smoke test failed: /health returns 500");
            await engineerPage.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Roll back", Exact = true }).ClickAsync();
            await engineerPage.WaitForURLAsync(url => url.Contains("/deployments/") && !url.Contains(bad.ToString()));
            await engineerPage.Locator("[data-dg-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await Expect(engineerPage.GetByRole(AriaRole.Heading, new() { Name = $"{service.Name} 1.0.0 → staging" })).ToBeVisibleAsync();
            await Expect(engineerPage.GetByTestId("deployment-status")).ToHaveTextAsync("succeeded", new() { Timeout = 30_000 });
            await Expect(engineerPage.GetByText("Smoke test failed: /health returns 500").First).ToBeVisibleAsync();
            await Expect(engineerPage.GetByRole(AriaRole.Log)).ToContainTextAsync("Deployment succeeded.");
            await engineerPage.ScreenshotAsync("deployment-rollback-succeeded.png");

            // The lists show what happened: both releases, and the four deployments (newest first: the rollback).
            await engineerPage.OpenAsync("/releases");
            await Expect(engineerPage.GetByRole(AriaRole.Link, new() { Name = "1.1.0" })).ToBeVisibleAsync();
            await Expect(engineerPage.GetByRole(AriaRole.Link, new() { Name = "1.0.0" })).ToBeVisibleAsync();
            await engineerPage.OpenAsync("/deployments");
            await Expect(engineerPage.GetByRole(AriaRole.Table, new() { Name = "Deployments" }).GetByRole(AriaRole.Row)).ToHaveCountAsync(5); // header + 4
            await engineerPage.ScreenshotAsync("deployments-list.png");

            await engineerPage.OpenAsync("/board");
            await Expect(engineerPage.Locator($"td[data-cell='{service.Name}/staging']")).ToContainTextAsync("1.0.0");
            await engineerPage.ScreenshotAsync("board.png");
        }
        catch
        {
            await engineerPage.FailureScreenshotAsync("deploy-failure-engineer.png");
            await approverPage.FailureScreenshotAsync("deploy-failure-approver.png");
            output.WriteLine($"app exited: {App.Process.HasExited}");
            output.WriteLine(App.Output);
            throw;
        }
    }

    private static async Task DeployAsync(IPage page, Guid releaseId, string environment)
    {
        await page.OpenAsync($"/releases/{releaseId}");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Deploy to {environment}" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Deploy" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/deployments/"));
        await page.Locator("[data-dg-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }
}
