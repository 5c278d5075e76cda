using System.Diagnostics;
using System.Diagnostics.Tracing;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// What the UI library costs the server and the reader (issue 9, run before and after the move to MudBlazor):
/// server memory per idle open deployment page, and the first render of the deployments list over 1,000,000
/// deployments in a real browser. Stage change → DOM latency for 1 and 20 pages is in <see cref="LatencyBenchmarks"/>.
/// </summary>
[Trait("Category", "DeploymentBench")]
[Collection(AppProcessCollection.Name)]
public sealed class UiBenchmarks(ITestOutputHelper output)
{
    private static readonly int Pages = int.TryParse(Environment.GetEnvironmentVariable("DG_BENCH_PAGES"), out var n) ? n : 100;
    private const int RenderRuns = 10;
    // The first-render run serves the app as `dotnet run` / scripts/run.sh do (Production from the build output) unless
    // DG_BENCH_ENVIRONMENT says otherwise: Development turns off the assets' caching headers, which is not what a person sees.
    private static readonly string RenderEnvironment = Environment.GetEnvironmentVariable("DG_BENCH_ENVIRONMENT") is { Length: > 0 } e ? e : "Production";

    [BenchFact]
    public async Task IdleDeploymentPages_Hundred_ServerMemoryPerPage()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        await using var app = await AppProcess.StartAsync(kit.ConnectionString);
        var viewer = await kit.UserAsync(Roles.Viewer);
        var environment = await kit.EnvironmentAsync("bench");
        var service = await kit.ServiceAsync("stages:\n  - name: build\n    kind: external\n    timeout: 3600\n  - name: deploy\n    kind: external\n    timeout: 3600\n");
        var deployment = await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);

        await using var browser = await BrowserSession.LaunchAsync();
        var first = await browser.SignInAsync(app.BaseUrl, viewer.UserName!, "Test-pass-2026");
        var state = await first.Context.StorageStateAsync();
        await first.Context.CloseAsync();

        // One page opened and closed first, so JIT, caches and pools the first page fills are not charged to the hundred.
        var warm = await OpenDeploymentAsync(browser, app.BaseUrl, state, deployment);
        await warm.Context.CloseAsync();
        var before = await MemoryProbe.MeasureAsync(app.Process.Id);

        var pages = new List<IPage>();
        for (var i = 0; i < Pages; i++)
        {
            pages.Add(await OpenDeploymentAsync(browser, app.BaseUrl, state, deployment));
        }

        // Idle: nothing happens on the deployment; every circuit stays open (pages keep their WebSockets).
        await Task.Delay(TimeSpan.FromSeconds(10));
        var after = await MemoryProbe.MeasureAsync(app.Process.Id);
        var open = 0;
        foreach (var page in pages)
        {
            open += await page.Locator("[data-dg-interactive]").CountAsync() > 0 ? 1 : 0;
        }

        Report($"{Pages} idle deployment pages ({open} still interactive): managed heap {Mib(before.ManagedBytes)} → {Mib(after.ManagedBytes)} MiB " +
               $"= {(after.ManagedBytes - before.ManagedBytes) / 1024.0 / Pages:0.0} KiB/page; working set {Mib(before.WorkingSetBytes)} → " +
               $"{Mib(after.WorkingSetBytes)} MiB = {(after.WorkingSetBytes - before.WorkingSetBytes) / 1024.0 / Pages:0.0} KiB/page");
    }

    [BenchFact]
    public async Task DeploymentsList_MillionDeployments_FirstRenderInBrowser()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        await DashboardBenchmarks.LoadMillionAsync(kit, Report);
        // DG_BENCH_SQL=1: the app logs every command with its duration (EF's own log), to say which queries a render
        // issues and what they cost. Off by default: console logging of each command is itself a cost.
        var traceSql = Environment.GetEnvironmentVariable("DG_BENCH_SQL") == "1";
        var settings = traceSql ? new Dictionary<string, string> { ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information" } : null;
        await using var app = await AppProcess.StartAsync(kit.ConnectionString, settings: settings, environment: RenderEnvironment);
        Report($"first render: app in {RenderEnvironment}");
        var viewer = await kit.UserAsync(Roles.Viewer);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.SignInAsync(app.BaseUrl, viewer.UserName!, "Test-pass-2026");
        // Where the time goes, from the page's own clock (ms since the navigation started): the prerendered HTML received,
        // the circuit's WebSocket open, the first interactive render applied, the first row on screen.
        await page.Context.AddInitScriptAsync(PhaseScript);

        var times = new List<double>();
        var phases = new Dictionary<string, List<double>>();
        var commandsBefore = 0;
        for (var i = 0; i <= RenderRuns; i++)
        {
            await page.GotoAsync("about:blank");
            if (i == 1)
            {
                commandsBefore = SqlCommands(app.Output).Count;
            }

            var startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var watch = Stopwatch.StartNew();
            await page.GotoAsync("/deployments");
            // The first row's link to a deployment: the list's data is on screen (the grid has no rows before its first load).
            await page.Locator("a[href*='deployments/']").First.WaitForAsync(new() { Timeout = 60_000 });
            if (i > 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
                var marks = await page.EvaluateAsync<Dictionary<string, double>>("() => window.__dgPhases");
                // The page's clock starts when Chromium starts the navigation; the test's when it asks for it.
                var origin = await page.EvaluateAsync<double>("() => performance.timeOrigin");
                marks["0 navigation started (after the test asked)"] = origin - startedAt;
                marks["6 first row seen by the test"] = startedAt + watch.Elapsed.TotalMilliseconds - origin;
                // Bytes the page's assets cost on the wire (0 when the browser's cache answered without asking).
                marks["7 asset bytes transferred"] = await page.EvaluateAsync<double>(
                    "() => performance.getEntriesByType('resource').filter(r => !r.name.includes('/_blazor')).reduce((s, r) => s + r.transferSize, 0)");
                foreach (var (name, at) in marks)
                {
                    (phases.TryGetValue(name, out var list) ? list : phases[name] = []).Add(at);
                }
            }
        }

        Report(BenchResults.Summary("deployments list over 1,000,000 deployments: navigation → first row on screen (after one warm-up)", times));
        foreach (var (name, values) in phases.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var bytes = name.StartsWith('7');
            Report(BenchResults.Summary($"  phase {name}{(bytes ? "" : " (ms after navigation start)")}", values, bytes ? " B" : "ms"));
        }

        if (traceSql)
        {
            // Commands of the measured navigations, grouped by their statement's opening; duration as EF logged it.
            var commands = SqlCommands(app.Output).Skip(commandsBefore).ToList();
            Report($"  SQL: {commands.Count} commands over {RenderRuns} navigations ({commands.Count / (double)RenderRuns:0.0} per navigation)");
            foreach (var group in commands.GroupBy(c => c.Statement).OrderByDescending(g => g.Sum(c => c.Ms)))
            {
                Report(BenchResults.Summary($"  SQL ×{group.Count() / (double)RenderRuns:0.0}/navigation: {group.Key}", group.Select(c => c.Ms).ToList()));
            }
        }
    }

    private const string PhaseScript = """
        window.__dgPhases = {};
        (() => {
            const mark = name => { if (!(name in window.__dgPhases)) window.__dgPhases[name] = Math.round(performance.now()); };
            const Native = window.WebSocket;
            window.WebSocket = class extends Native {
                constructor(...args) { super(...args); this.addEventListener('open', () => mark('3 websocket open')); }
            };
            document.addEventListener('DOMContentLoaded', () => {
                const nav = performance.getEntriesByType('navigation')[0];
                if (nav) { window.__dgPhases['1 html received'] = Math.round(nav.responseEnd); }
                mark('2 dom content loaded');
            });
            new MutationObserver(() => {
                if (document.querySelector('[data-dg-interactive]')) mark('4 interactive render applied');
                if (document.querySelector("a[href*='deployments/']")) mark('5 first row');
            }).observe(document, { childList: true, subtree: true });
        })();
        """;

    // EF Core's "Executed DbCommand (12ms) [...]" line and the statement's first line after it.
    private static List<(string Statement, double Ms)> SqlCommands(string output)
    {
        var lines = output.Split('\n');
        var commands = new List<(string, double)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var match = System.Text.RegularExpressions.Regex.Match(lines[i], @"Executed DbCommand \((\d+)ms\)");
            if (match.Success)
            {
                var statement = i + 1 < lines.Length ? lines[i + 1].Trim() : "";
                commands.Add((statement.Length > 90 ? statement[..90] : statement, double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        return commands;
    }

    private static async Task<IPage> OpenDeploymentAsync(BrowserSession browser, string baseUrl, string state, Guid deployment)
    {
        // A context per page: Chromium caps WebSockets per host within one context, and each page is its own circuit.
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, StorageState = state });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.OpenAsync($"/deployments/{deployment}");
        await page.Stage("build").WaitForAsync();
        return page;
    }

    private static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0");

    private void Report(string line)
    {
        output.WriteLine(line);
        BenchResults.Write("ui.txt", line);
    }
}

/// <summary>
/// Another process's managed heap after a full, compacting GC that this probe induces (as dotnet-gcdump does: an
/// EventPipe session with the GCHeapCollect keyword), plus its resident set from /proc.
/// </summary>
internal static class MemoryProbe
{
    public static async Task<(long ManagedBytes, long WorkingSetBytes)> MeasureAsync(int pid)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords)], requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var induced = false;
        var heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Clr.GCStart += e => induced |= e.Reason is GCReason.Induced or GCReason.InducedNotForced;
        source.Clr.GCHeapStats += e =>
        {
            if (induced)
            {
                heap.TrySetResult(e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4);
            }
        };
        var pump = Task.Run(source.Process);
        var managed = await heap.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await session.StopAsync(CancellationToken.None);
        await pump;
        return (managed, WorkingSet(pid));
    }

    private static long WorkingSet(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
