using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.E2E.Deployments;

/// <summary>
/// On a laptop-sized window (1024 and 1280 px) every column of every list is on screen and readable: none squeezed (the
/// service column of the deployments list used to be 0 px wide at 1024 px), none pushed out of sight (/findings at 1280 px
/// needed 1,329 px and hid Status and First seen).
/// </summary>
[Collection(AppProcessCollection.Name)]
public sealed class NarrowWindowTests : AppInBrowserTest
{
    // Every list page (PageCoverageTests fails for a page with a grid that is missing here), the grouped views included.
    internal static readonly string[] Lists =
    [
        "/releases", "/deployments", "/services", "/environments", "/teams", "/scans", "/findings", "/findings?group=rule", "/findings/patterns",
        "/vulnerabilities", "/vulnerabilities?group=cve", "/audit", "/admin/users", "/admin/sessions", "/admin/outbox", "/account/sessions", "/account/tokens",
    ];

    [Theory]
    [InlineData(1024)]
    [InlineData(1280)]
    public async Task Lists_LaptopWindow_EveryColumnOnScreenAndReadable(int width)
    {
        var service = await Kit.ServiceAsync();
        await Kit.ReleaseAsync(service.Id);
        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");
        await page.SetViewportSizeAsync(width, 800);

        foreach (var path in Lists)
        {
            await page.GotoAsync(path);
            await page.Locator("body[data-interactive=true]").WaitForAsync();
            // The kit's PagedGrid (a MudDataGrid) and the keyset lists (MudSimpleTable with class dg-grid).
            var headers = page.Locator(".mud-table thead th, .dg-grid thead th");
            await headers.First.WaitForAsync();
            // Each header: its width, and how far its right edge is past what its table shows (a column scrolled out of
            // sight is as unreadable as a squeezed one: /findings at 1280 px hid Status and First seen that way).
            var columns = await headers.EvaluateAllAsync<string[]>(
                """
                ths => ths.filter(th => th.innerText.trim()).map(th => {
                    const box = th.getBoundingClientRect();
                    const view = th.closest('.mud-table-container, .dg-table-scroll, .mud-table, table').getBoundingClientRect();
                    const past = Math.max(0, Math.round(box.right - Math.min(view.right, document.documentElement.clientWidth)));
                    // A column of checkboxes is narrow by design: only its place on screen is checked.
                    const width = th.querySelector('input[type=checkbox]') ? 999 : Math.round(box.width);
                    return `${th.innerText.trim()}=${width}=${past}`;
                })
                """);

            Assert.NotEmpty(columns);
            Assert.All(columns, c =>
            {
                var parts = c.Split('=');
                Assert.True(int.Parse(parts[^2]) >= 60, $"{path} at {width} px: column {parts[0]} is {parts[^2]} px wide (squeezed)");
                Assert.True(int.Parse(parts[^1]) <= 1, $"{path} at {width} px: column {parts[0]} ends {parts[^1]} px past the visible table");
            });
        }
    }
}
