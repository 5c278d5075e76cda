using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// Stage change committed → DOM updated, in real browsers (1 and 50 pages) and in SignalR clients (200), on one
/// instance and across two. Each sample is an external stage reported through the app's API: the app commits the stage
/// as succeeded (completed_at stamps the commit) and pages record when their timeline shows it.
/// </summary>
[Trait("Category", "DeploymentBench")]
[Collection(AppProcessCollection.Name)]
public sealed class LatencyBenchmarks(ITestOutputHelper output)
{
    private const int Samples = 29;

    // Records the first moment each stage's element says Succeeded, in epoch milliseconds.
    private const string Observer = """
        () => {
            window.__dg = {};
            const scan = () => {
                const now = performance.timeOrigin + performance.now();
                for (const el of document.querySelectorAll('li[data-stage-status="Succeeded"]')) {
                    const name = el.getAttribute('data-stage');
                    if (!(name in window.__dg)) window.__dg[name] = now;
                }
            };
            new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-stage-status'] });
            scan();
        }
        """;

    private static string Pipeline => "stages:\n" + string.Concat(Enumerable.Range(1, Samples + 1).Select(i => $"  - name: s{i:00}\n    kind: external\n    timeout: 3600\n"));

    [BenchFact]
    public Task Browser_OnePage_OneInstance() => BrowserAsync(pages: 1, crossInstance: false);

    [BenchFact]
    public Task Browser_TwentyPages_OneInstance() => BrowserAsync(pages: 20, crossInstance: false);

    [BenchFact]
    public Task Browser_FiftyPages_OneInstance() => BrowserAsync(pages: 50, crossInstance: false);

    [BenchFact]
    public Task Browser_OnePage_AcrossTwoInstances() => BrowserAsync(pages: 1, crossInstance: true);

    [BenchFact]
    public Task Hub_TwoHundredClients_OneInstance() => HubAsync(clients: 200, crossInstance: false);

    [BenchFact]
    public Task Hub_TwoHundredClients_AcrossTwoInstances() => HubAsync(clients: 200, crossInstance: true);

    private async Task BrowserAsync(int pages, bool crossInstance)
    {
        await using var setup = await Setup.CreateAsync(crossInstance);
        await using var browser = await BrowserSession.LaunchAsync();
        var first = await browser.SignInAsync(setup.Watched.BaseUrl, setup.Viewer, "Test-pass-2026");
        var all = new List<IPage> { first };
        // One browser context per page, signed in with the first one's cookies: Chromium caps WebSockets per host
        // within a context, and each page is its own Blazor circuit on a WebSocket.
        var state = await first.Context.StorageStateAsync();
        for (var i = 1; i < pages; i++)
        {
            var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = setup.Watched.BaseUrl, StorageState = state });
            context.SetDefaultTimeout(60_000);
            all.Add(await context.NewPageAsync());
        }

        // Why a page stops updating, if one does: its console (errors, reconnects) and the reconnect dialog's state.
        var consoles = new ConcurrentDictionary<IPage, ConcurrentQueue<string>>();
        foreach (var page in all)
        {
            var log = consoles.GetOrAdd(page, _ => new ConcurrentQueue<string>());
            page.Console += (_, m) => log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {m.Type}: {m.Text}");
            page.Crash += (_, _) => log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} page crashed");
        }

        foreach (var page in all)
        {
            await page.OpenAsync($"/deployments/{setup.DeploymentId}");
            await page.Locator("li[data-stage='s01'][data-stage-status='Running']").WaitForAsync(new() { Timeout = 60_000 });
            await page.EvaluateAsync(Observer);
        }

        var latencies = new List<double>();
        var missed = 0;
        var lost = new HashSet<IPage>();
        var samples = pages > 1 ? 10 : Samples;
        for (var i = 1; i <= samples; i++)
        {
            var stage = $"s{i:00}";
            var committed = await setup.ReportAsync(stage);
            foreach (var page in all.Except(lost).ToList())
            {
                try
                {
                    await page.WaitForFunctionAsync($"() => window.__dg && '{stage}' in window.__dg", null, new() { Timeout = 30_000 });
                }
                catch (TimeoutException)
                {
                    // Reported, not hidden: a page that did not show the change within 30 s is counted and not waited for again.
                    missed++;
                    lost.Add(page);
                    var dom = await page.EvaluateAsync<string>(
                        $"() => `reconnect=${{document.getElementById('components-reconnect-modal')?.className}} stage=${{document.querySelector(\"li[data-stage='{stage}']\")?.getAttribute('data-stage-status')}}`");
                    var appLines = setup.Watched.Output.Split('\n');
                    var firstFail = Array.FindIndex(appLines, l => l.StartsWith("fail:", StringComparison.Ordinal));
                    var appErrors = firstFail < 0 ? [] : appLines.Skip(firstFail).Take(30).Select(l => l.Trim());
                    var line = $"lost page {all.IndexOf(page)} at {stage}: url={page.Url} {dom}; console: {string.Join(" | ", consoles[page].TakeLast(4))}; " +
                               $"app errors: {string.Join(" | ", appErrors)}";
                    output.WriteLine(line);
                    BenchResults.Write("latency.txt", "  " + line);
                    continue;
                }

                var seen = await page.EvaluateAsync<double>($"() => window.__dg['{stage}']");
                latencies.Add(seen - BenchResults.EpochMs(committed));
            }
        }

        Report($"browser pages={pages} crossInstance={crossInstance} (updates seen {latencies.Count} of {samples * pages}; {lost.Count} page(s) stopped updating)", latencies);
    }

    private async Task HubAsync(int clients, bool crossInstance)
    {
        await using var setup = await Setup.CreateAsync(crossInstance);
        var cookies = await SignIn.CookiesAsync(setup.Watched.BaseUrl, setup.Viewer, "Test-pass-2026");
        var seen = new ConcurrentDictionary<(int Client, string Stage), double>();
        var hubs = new List<HubConnection>();
        for (var c = 0; c < clients; c++)
        {
            var client = c;
            var hub = DeploymentsHubClient.Create(setup.Watched.BaseUrl, cookies);
            hub.On<JsonElement>("StageChanged", payload =>
            {
                if (payload.GetProperty("status").GetString() == "Succeeded")
                {
                    seen.TryAdd((client, payload.GetProperty("stageName").GetString()!), BenchResults.EpochMs(DateTimeOffset.UtcNow));
                }
            });
            await hub.StartAsync();
            await hub.InvokeAsync("Subscribe", setup.DeploymentId);
            hubs.Add(hub);
        }

        var latencies = new List<double>();
        for (var i = 1; i <= Samples; i++)
        {
            var stage = $"s{i:00}";
            var committed = await setup.ReportAsync(stage);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Enumerable.Range(0, clients).Any(c => !seen.ContainsKey((c, stage))) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            latencies.AddRange(Enumerable.Range(0, clients).Select(c => seen.TryGetValue((c, stage), out var t) ? t - BenchResults.EpochMs(committed) : double.NaN)
                .Where(v => !double.IsNaN(v)));
        }

        foreach (var hub in hubs)
        {
            await hub.DisposeAsync();
        }

        Report($"hub clients={clients} crossInstance={crossInstance} (received {latencies.Count} of {clients * Samples})", latencies);
    }

    private void Report(string name, List<double> latencies)
    {
        var line = BenchResults.Summary($"stage change → update, {name}", latencies);
        output.WriteLine(line);
        BenchResults.Write("latency.txt", line);
    }

    /// <summary>Apps, users and a deployment waiting on its first external stage.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private DeploymentTestKit _kit = default!;
        private AppProcess? _other;
        private HttpClient _api = default!;

        public AppProcess Committer { get; private set; } = default!;

        public AppProcess Watched => _other ?? Committer;

        public Guid DeploymentId { get; private set; }

        public string Viewer { get; private set; } = "";

        public static async Task<Setup> CreateAsync(bool crossInstance)
        {
            var setup = new Setup { _kit = await DeploymentTestKit.CreateAsync() };
            setup.Committer = await AppProcess.StartAsync(setup._kit.ConnectionString, settings: AppProcess.Unthrottled);
            if (crossInstance)
            {
                setup._other = await AppProcess.StartAsync(setup._kit.ConnectionString,
                    settings: new Dictionary<string, string>(AppProcess.Unthrottled) { ["Jobs:Enabled"] = "false" });
            }

            var engineer = await setup._kit.UserAsync(Roles.Engineer);
            setup.Viewer = (await setup._kit.UserAsync(Roles.Viewer)).UserName!;
            var cookies = await SignIn.CookiesAsync(setup.Committer.BaseUrl, engineer.UserName!, "Test-pass-2026");
            setup._api = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(setup.Committer.BaseUrl) };
            var environment = await setup._kit.EnvironmentAsync("bench");
            var service = await setup._kit.ServiceAsync(Pipeline);
            setup.DeploymentId = await setup._kit.StartAsync(await setup._kit.ReleaseAsync(service.Id), environment.Id);
            return setup;
        }

        /// <summary>Reports the stage through the committing instance; returns when the commit happened (the stage's completed_at).</summary>
        public async Task<DateTimeOffset> ReportAsync(string stage)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                var response = await _api.PostAsJsonAsync($"/api/deployments/{DeploymentId}/stages/{stage}/result", new { succeeded = true });
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    break;
                }

                // The stage may not be running yet (the runner starts it right after the previous one).
                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"{stage}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }

                await Task.Delay(20);
            }

            await using var db = _kit.Db();
            return (await db.DeploymentStages.SingleAsync(s => s.DeploymentId == DeploymentId && s.Name == stage)).CompletedAt!.Value;
        }

        public async ValueTask DisposeAsync()
        {
            _api.Dispose();
            if (_other is not null)
            {
                await _other.DisposeAsync();
            }

            await Committer.DisposeAsync();
            await _kit.DisposeAsync();
        }
    }
}
