using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Foundation;

/// <summary>
/// What issue 9's walk found covered or cut on a laptop window: the dashboard's scan tables ran 677 px wide in 440 px cards
/// (Vulnerabilities and Started out of sight), and a toast sat over the deployment page's cards for its four seconds.
/// </summary>
[Collection(AppProcessCollection.Name)]
public sealed class LayoutTests : AppInBrowserTest
{
    private const string ExternalPipeline = "stages:\n  - name: qa\n    kind: external\n    timeout: 3600\n";

    [Fact]
    public async Task Dashboard_LaptopWindow_EveryTableFitsItsCard()
    {
        await Kit.ServiceAsync();
        await using (var db = Kit.Db())
        {
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < 3; i++)
            {
                db.Scans.Add(new Scan
                {
                    Id = Guid.CreateVersion7(), ScanType = ScanKind.Container, Status = ScanState.Completed, Origin = ScanOrigin.Import,
                    Target = $"registry.example.com/platform/a-rather-long-image-name-{i}:2026.12.{i}", StartedAt = now.AddMinutes(-i),
                    CreatedAt = now, FindingsCount = 1234 + i, ScopeKey = $"layout-{Guid.NewGuid():N}",
                });
            }

            await db.SaveChangesAsync();
        }

        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");
        foreach (var width in new[] { 1024, 1280 })
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.GotoAsync("/");
            await Expect(page.Locator("[data-widget=recent-scans] tbody tr")).ToHaveCountAsync(3);

            // Every card's content within the card: a table wider than its card is cut off (or would need a scrollbar and
            // keyboard access to it).
            var overflowing = await page.Locator(".dg-card").EvaluateAllAsync<string[]>(
                """
                cards => cards.flatMap(card => [card, ...card.querySelectorAll('.mud-table-container, table')])
                    .filter(e => e.scrollWidth > e.clientWidth + 1)
                    .map(e => `${e.closest('[data-widget]')?.dataset.widget ?? e.className}: ${e.scrollWidth} > ${e.clientWidth} px`)
                """);
            Assert.True(overflowing.Length == 0, $"at {width} px: " + string.Join("; ", overflowing));
            // And the scan tables still say what was scanned and how much it found.
            var firstRow = page.Locator("[data-widget=most-vulnerable-scans] tbody tr").First;
            await Expect(firstRow).ToContainTextAsync("a-rather-long-image");
            await Expect(firstRow).ToContainTextAsync("1,236");
        }
    }

    [Fact]
    public async Task DeploymentPage_QueuedBehindAnotherThenCancelled_SaysWhyAndTheToastCoversNoCard()
    {
        var environment = await Kit.EnvironmentAsync("layout-" + Guid.NewGuid().ToString("N")[..6]);
        var service = await Kit.ServiceAsync(ExternalPipeline);
        var first = await Kit.StartAsync(await Kit.ReleaseAsync(service.Id, "1.0.0"), environment.Id);
        await Kit.WaitForStageAsync(first, "qa", StageStatus.Running);
        var second = await Kit.StartAsync(await Kit.ReleaseAsync(service.Id, "1.1.0"), environment.Id);
        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");

        await page.OpenAsync($"/deployments/{second}");
        await Expect(page.GetByTestId("queue-reason")).ToContainTextAsync(
            $"Waiting for {service.Name} 1.0.0 in {environment.Name}, which waits for an external report on its stage 'qa'.");

        foreach (var width in new[] { 1024, 1280 })
        {
            await page.SetViewportSizeAsync(width, 800);
            await page.OpenAsync($"/deployments/{(width == 1024 ? first : second)}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel deployment" }).ClickAsync();
            var toast = page.Locator(".mud-snackbar").Filter(new() { HasText = "Deployment cancelled" });
            await Expect(toast).ToBeVisibleAsync(new() { Timeout = 30_000 });

            // The toast stays inside the app bar and off everything the page shows: the stage cards, its header and alerts.
            var clash = await page.EvaluateAsync<string?>(
                """
                () => {
                    const toast = document.querySelector('.mud-snackbar').getBoundingClientRect();
                    const bar = document.querySelector('.mud-appbar').getBoundingClientRect();
                    if (toast.top < bar.top || toast.bottom > bar.bottom) return `toast ${toast.top}-${toast.bottom} outside the app bar ${bar.top}-${bar.bottom}`;
                    const parts = [...document.querySelectorAll('main [data-stage], main h1, main .mud-alert, main .dg-card, .mud-appbar button, .mud-appbar a')];
                    const hit = parts.find(p => {
                        const r = p.getBoundingClientRect();
                        return r.width > 0 && r.left < toast.right && r.right > toast.left && r.top < toast.bottom && r.bottom > toast.top;
                    });
                    const at = r => `${Math.round(r.left)}-${Math.round(r.right)} x ${Math.round(r.top)}-${Math.round(r.bottom)}`;
                    return hit ? `toast (${at(toast)}) covers ${hit.tagName}.${hit.className.split(' ').pop()} (${at(hit.getBoundingClientRect())}) "${hit.innerText.slice(0, 40)}"` : null;
                }
                """);
            Assert.True(clash is null, $"at {width} px: {clash}");
        }
    }
}
