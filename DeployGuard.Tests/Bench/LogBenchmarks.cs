using System.Diagnostics;
using System.Net.Http.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// A noisy command (100,000 lines as fast as bash prints them) into the database and onto an open deployment page,
/// and what that page costs once it tails 100,000 lines.
/// </summary>
[Trait("Category", "DeploymentBench")]
[Collection(AppProcessCollection.Name)]
public sealed class LogBenchmarks(ITestOutputHelper output)
{
    private const int Lines = 100_000;

    [BenchFact]
    public async Task NoisyCommand_IntoDatabaseAndOntoAnOpenPage()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        // A benchmark of throughput, not of the API rate limit (120 requests a minute per user by default).
        await using var app = await AppProcess.StartAsync(kit.ConnectionString, settings: AppProcess.Unthrottled);
        var environment = await kit.EnvironmentAsync("noisy");
        var service = await kit.ServiceAsync($"""
            stages:
              - name: gate
                kind: external
                timeout: 3600
              - name: noisy
                kind: command
                run: seq -f "log line %g of a noisy build step, with some text to make it look real" 1 {Lines}
            """);
        var viewer = await kit.UserAsync(Roles.Viewer);
        var engineer = await kit.UserAsync(Roles.Engineer);
        var id = await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);
        await kit.WaitForStageAsync(id, "gate", StageStatus.Running);

        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.SignInAsync(app.BaseUrl, viewer.UserName!, "Test-pass-2026");
        await page.OpenAsync($"/deployments/{id}");
        var rssBefore = Rss(app.Process.Id);
        // The page notes when its line counter first reaches the total.
        await page.EvaluateAsync($$"""
            () => {
                window.__dgDone = null;
                const check = () => {
                    const el = document.querySelector('[data-testid="log-count"]');
                    const n = el ? parseInt(el.textContent.replace(/[^0-9]/g, ''), 10) : 0;
                    if (n >= {{Lines}} && window.__dgDone === null) window.__dgDone = performance.timeOrigin + performance.now();
                };
                new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
            }
            """);

        var cookies = await SignIn.CookiesAsync(app.BaseUrl, engineer.UserName!, "Test-pass-2026");
        using (var api = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(app.BaseUrl) })
        {
            (await api.PostAsJsonAsync($"/api/deployments/{id}/stages/gate/result", new { succeeded = true })).EnsureSuccessStatusCode();
        }

        var deployment = await kit.WaitForFinishAsync(id, TimeSpan.FromMinutes(10));
        await page.WaitForFunctionAsync("() => window.__dgDone !== null", null, new() { Timeout = 600_000 });
        var onPage = await page.EvaluateAsync<double>("() => window.__dgDone");
        var noisy = deployment.Stages.Single(s => s.Name == "noisy");
        await using var db = kit.Db();
        var stored = await db.DeploymentLogs.CountAsync(l => l.StageId == noisy.Id && l.EventType == "stdout");
        var firstLine = await db.DeploymentLogs.Where(l => l.StageId == noisy.Id && l.EventType == "stdout").MinAsync(l => l.Timestamp);
        var dbSeconds = (noisy.CompletedAt!.Value - noisy.StartedAt!.Value).TotalSeconds;
        var pageSeconds = (onPage - BenchResults.EpochMs(noisy.StartedAt!.Value)) / 1000.0;

        // What the page costs: the browser's JS heap and DOM, and the server's resident memory with the page open.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Performance.enable");
        var metrics = (await cdp.SendAsync("Performance.getMetrics"))!.Value.GetProperty("metrics").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble());
        var rssAfter = Rss(app.Process.Id);
        await page.GetByRole(AriaRole.Log).ScrollIntoViewIfNeededAsync();
        var scrollWatch = Stopwatch.StartNew();
        var middle = await db.DeploymentLogs.Where(l => l.StageId == noisy.Id).OrderBy(l => l.Id).Skip(stored / 2).Select(l => l.Id).FirstAsync();
        await page.GetByRole(AriaRole.Log).EvaluateAsync("el => el.scrollTop = el.scrollHeight / 2");
        // Done when lines from around the middle (fetched from the database for that scroll position) are in the DOM.
        await page.WaitForFunctionAsync($"() => Array.from(document.querySelectorAll('[data-log-id]')).some(e => Math.abs(+e.dataset.logId - {middle}) < 2000)");
        scrollWatch.Stop();

        var lines = new[]
        {
            $"log throughput: {stored:N0} lines stored in {dbSeconds:0.00} s (stage start → stage end, all lines committed) = {stored / dbSeconds:N0} lines/s; first line stored {(firstLine - noisy.StartedAt.Value).TotalMilliseconds:0} ms after the stage started",
            $"log onto an open page: counter reached {Lines:N0} {pageSeconds:0.00} s after the stage started = {Lines / pageSeconds:N0} lines/s",
            $"page tailing {stored:N0} lines: browser JSHeapUsedSize={metrics["JSHeapUsedSize"] / 1048576:0.0} MiB, DOM nodes={metrics["Nodes"]:0}; app RSS {rssBefore / 1024.0:0} MiB before → {rssAfter / 1024.0:0} MiB after (whole process, one page)",
            $"jump to the middle of {stored:N0} lines: first rendered line after {scrollWatch.ElapsedMilliseconds} ms",
        };
        foreach (var line in lines)
        {
            output.WriteLine(line);
            BenchResults.Write("logs.txt", line);
        }
    }

    private static long Rss(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
