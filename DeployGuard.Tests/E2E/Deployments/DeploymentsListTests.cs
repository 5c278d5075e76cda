using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Deployments;

/// <summary>
/// The kit's list in a real browser: a filter and a sort live in the URL, so a reload keeps them, the link can be shared,
/// and Back undoes the last change.
/// </summary>
[Collection(AppProcessCollection.Name)]
public sealed class DeploymentsListTests : AppInBrowserTest
{
    [Fact]
    public async Task ServiceFilter_KeptInTheUrl_SurvivesReload_BackUndoesIt()
    {
        var environment = await Kit.EnvironmentAsync("list");
        var first = await Kit.ServiceAsync();
        var second = await Kit.ServiceAsync();
        await Kit.StartAsync(await Kit.ReleaseAsync(first.Id), environment.Id);
        await Kit.StartAsync(await Kit.ReleaseAsync(second.Id), environment.Id);
        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");
        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Deployments" }).GetByRole(AriaRole.Row);

        try
        {
            await page.OpenAsync("/deployments");
            await Expect(rows).ToHaveCountAsync(3); // header + 2

            await page.GetByRole(AriaRole.Combobox, new() { Name = "Service", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = first.Name, Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains($"service={first.Id}"));
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = $"{first.Name} 1.0.0" })).ToBeVisibleAsync();

            // The filtered list is a link: loading it afresh shows the same rows.
            await page.ReloadAsync();
            await page.Locator("[data-dg-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = $"{second.Name} 1.0.0" })).ToHaveCountAsync(0);

            await page.GoBackAsync();
            await page.WaitForURLAsync(url => !url.Contains("service="));
            await Expect(rows).ToHaveCountAsync(3);

            await page.GetByRole(AriaRole.Button, new() { Name = "Service: sort ascending" }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("sort=ServiceName"));
            var firstByName = string.CompareOrdinal(first.Name, second.Name) < 0 ? first.Name : second.Name;
            await Expect(rows.Nth(1)).ToContainTextAsync(firstByName);
            await page.GetByRole(AriaRole.Button, new() { Name = "Service, sorted ascending: sort descending" }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("dir=desc"));
            await Expect(rows.Nth(2)).ToContainTextAsync(firstByName);
        }
        catch
        {
            await page.FailureScreenshotAsync("deployments-list-failure.png");
            throw;
        }
    }
}
