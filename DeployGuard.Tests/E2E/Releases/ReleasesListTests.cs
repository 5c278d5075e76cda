using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Releases;

/// <summary>
/// The releases list on the kit: the service is picked by typing (an autocomplete over the service search), the service and
/// status filters live in the URL, a reload keeps them (the picker shows the service's name again), and Back undoes them.
/// </summary>
[Collection(AppProcessCollection.Name)]
public sealed class ReleasesListTests : AppInBrowserTest
{
    [Fact]
    public async Task ServiceAndStatusFilters_KeptInTheUrl_SurviveReload_BackUndoesThem()
    {
        var first = await Kit.ServiceAsync();
        var second = await Kit.ServiceAsync();
        await Kit.ReleaseAsync(first.Id, "1.0.0");
        var draft = await Kit.ReleaseAsync(first.Id, "1.1.0");
        await Kit.ReleaseAsync(second.Id, "2.0.0");
        await using (var db = Kit.Db())
        {
            await db.Releases.Where(r => r.Id == draft).ExecuteUpdateAsync(r => r.SetProperty(x => x.Status, ReleaseStatus.Draft));
        }

        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");
        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Releases" }).GetByRole(AriaRole.Row);
        var picker = page.GetByLabel("Service", new() { Exact = true });

        try
        {
            await page.OpenAsync("/releases");
            await Expect(rows).ToHaveCountAsync(4); // header + 3

            // Part of the name is enough; the picker asks the server and offers the match.
            await picker.ClickAsync();
            await Expect(page.GetByRole(AriaRole.Listbox)).ToBeVisibleAsync();
            await picker.FillAsync(first.Name[4..12]);
            await page.GetByRole(AriaRole.Option, new() { Name = first.Name, Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains($"service={first.Id}"));
            await Expect(rows).ToHaveCountAsync(3);
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "2.0.0" })).ToHaveCountAsync(0);

            await page.GetByRole(AriaRole.Combobox, new() { Name = "Status", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "draft", Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("status=Draft") && url.Contains($"service={first.Id}"));
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "1.1.0" })).ToBeVisibleAsync();

            // The filtered list is a link: loading it afresh shows the same rows, and the picker the service's name.
            await page.ReloadAsync();
            await page.Locator("[data-dg-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(picker).ToHaveValueAsync(first.Name);

            // "New release" starts on the filtered service.
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "New release" })).ToHaveAttributeAsync("href", $"releases/new?service={first.Id}");

            await page.GoBackAsync();
            await page.WaitForURLAsync(url => !url.Contains("status=") && url.Contains($"service={first.Id}"));
            await Expect(rows).ToHaveCountAsync(3);
            await page.GoBackAsync();
            await page.WaitForURLAsync(url => !url.Contains("service="));
            await Expect(rows).ToHaveCountAsync(4);
            await Expect(picker).ToHaveValueAsync("");
        }
        catch
        {
            await page.FailureScreenshotAsync("releases-list-failure.png");
            throw;
        }
    }
}
