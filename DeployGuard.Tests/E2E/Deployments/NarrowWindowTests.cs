using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.E2E.Deployments;

/// <summary>
/// On a laptop-sized window the lists scroll sideways instead of squeezing their main column to nothing
/// (the service column of the deployments list used to be 0 px wide at 1024 px).
/// </summary>
[Collection(AppProcessCollection.Name)]
public sealed class NarrowWindowTests : AppInBrowserTest
{
    [Fact]
    public async Task Lists_1024PixelWindow_EveryColumnHeaderStaysReadable()
    {
        var service = await Kit.ServiceAsync();
        await Kit.ReleaseAsync(service.Id);
        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");
        await page.SetViewportSizeAsync(1024, 800);

        foreach (var path in new[]
                 {
                     "/releases", "/deployments", "/services", "/environments", "/teams", "/scans", "/findings", "/findings/patterns", "/vulnerabilities",
                     "/vulnerabilities?group=cve", "/audit", "/admin/users", "/admin/sessions", "/admin/outbox", "/account/sessions", "/account/tokens",
                 })
        {
            await page.GotoAsync(path);
            await page.Locator("body[data-interactive=true]").WaitForAsync();
            // The kit's PagedGrid (a MudDataGrid) and the keyset lists (MudSimpleTable with class dg-grid).
            var headers = page.Locator(".mud-table thead th, .dg-grid thead th");
            await headers.First.WaitForAsync();
            var widths = await headers.EvaluateAllAsync<string[]>(
                "ths => ths.filter(th => th.innerText.trim()).map(th => th.innerText.trim() + '=' + Math.round(th.getBoundingClientRect().width))");

            Assert.NotEmpty(widths);
            Assert.All(widths, w => Assert.True(int.Parse(w.Split('=')[^1]) >= 60, $"{path}: column {w} px is squeezed"));
        }
    }
}
