using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Deployments;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DeployGuard.Tests.Bench;

/// <summary>
/// Database commands an open deployment page costs per stage change. Instance A (a child process) runs the pipeline;
/// instance B (in this process, runner off) serves the pages, and an ActivityListener on Npgsql's ActivitySource counts
/// every command B sends (EF and raw Npgsql alike). Each sample reports one external stage through A's API, which ends
/// that stage and starts the next one (two StageChanged events and their log lines reach B over LISTEN/NOTIFY).
/// Commands with no page open (B's own per-instance work) and with pages open but no change (circuit upkeep) are
/// measured too and subtracted.
/// </summary>
[Trait("Category", "DeploymentBench")]
[Collection(AppProcessCollection.Name)]
public sealed class QueryCountBenchmarks(ITestOutputHelper output)
{
    private const int Viewers = 3;
    private const int SamplesPerPhase = 5;

    /// <summary>How the page-only instance switches its job workers off.</summary>
    private static readonly Dictionary<string, string?> PageOnly = new() { ["Jobs:Enabled"] = "false" };

    [BenchFact]
    public async Task DeploymentPage_StageChanges_QueriesPerViewer()
    {
        await using var watched = new PageInstance();
        await watched.InitializeAsync();
        await using var kit = await DeploymentTestKit.CreateAsync(watched.ConnectionString);
        await using var committer = await AppProcess.StartAsync(kit.ConnectionString);
        var engineer = await kit.UserAsync(Roles.Engineer);
        var viewer = await kit.UserAsync(Roles.Viewer);
        var environment = await kit.EnvironmentAsync("queries");
        var stages = SamplesPerPhase * 3 + 1;
        var service = await kit.ServiceAsync("stages:\n" + string.Concat(Enumerable.Range(1, stages).Select(i => $"  - name: s{i:00}\n    kind: external\n    timeout: 3600\n")));
        var id = await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);
        await kit.WaitForStageAsync(id, "s01", StageStatus.Running, TimeSpan.FromSeconds(60));
        var cookies = await SignIn.CookiesAsync(committer.BaseUrl, engineer.UserName!, "Test-pass-2026");
        using var api = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(committer.BaseUrl) };

        using var counter = new CommandCounter();
        var seen = new ConcurrentDictionary<string, bool>();
        using var subscription = watched.Services.GetRequiredService<DeployGuard.Data.Services.Deployments.DeploymentEventBus>().Subscribe(id, e =>
        {
            if (e.Kind == DeployGuard.Data.Services.Deployments.DeploymentEventKind.StageChanged && e.Status == "Running" && e.StageName is { } name)
            {
                seen[name] = true;
            }
        });

        // Phase 1: no page open. B still receives the events (and reads each log batch once for its subscribers).
        var next = 1;
        counter.Reset();
        for (var i = 0; i < SamplesPerPhase; i++, next++)
        {
            await ReportAsync(api, id, next);
            await WaitAsync(() => seen.ContainsKey($"s{next + 1:00}"), $"instance B to see s{next + 1:00} start");
            await counter.QuietAsync();
        }

        var withoutPages = counter.Snapshot();

        // Phase 2: pages open, nothing happening, for as long as phase 3 will take (circuit upkeep, timers).
        await using var browser = await BrowserSession.LaunchAsync();
        var first = await browser.SignInAsync(watched.BaseUrl, viewer.UserName!, "Test-pass-2026");
        var pages = new List<IPage> { first };
        var state = await first.Context.StorageStateAsync();
        for (var i = 1; i < Viewers; i++)
        {
            var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = watched.BaseUrl, StorageState = state });
            context.SetDefaultTimeout(60_000);
            pages.Add(await context.NewPageAsync());
        }

        foreach (var page in pages)
        {
            await page.OpenAsync($"/deployments/{id}");
            await page.Locator($"li[data-stage='s{next:00}'][data-stage-status='Running']").WaitForAsync(new() { Timeout = 60_000 });
        }

        await counter.QuietAsync();
        var phase3 = Stopwatch.StartNew();
        counter.Reset();
        var active = new List<CommandCounter.Counts>();
        for (var i = 0; i < SamplesPerPhase; i++, next++)
        {
            await ReportAsync(api, id, next);
            foreach (var page in pages)
            {
                await page.Locator($"li[data-stage='s{next:00}'][data-stage-status='Succeeded']").WaitForAsync(new() { Timeout = 30_000 });
                await page.Locator($"li[data-stage='s{next + 1:00}'][data-stage-status='Running']").WaitForAsync(new() { Timeout = 30_000 });
            }

            await counter.QuietAsync();
        }

        var withPages = counter.Snapshot();
        var elapsed = phase3.Elapsed;
        counter.Reset();
        await Task.Delay(elapsed);
        await counter.QuietAsync();
        var idlePages = counter.Snapshot();

        var perViewerPerReport = (withPages.Total - withoutPages.Total - idlePages.Total) / (double)(Viewers * SamplesPerPhase);
        Report($"deployment page, {Viewers} viewers on instance B, {SamplesPerPhase} stage reports (each: one stage ends, the next starts): " +
               $"B sent {withPages.Total} commands with pages open, {withoutPages.Total} with none, {idlePages.Total} with pages open and idle " +
               $"for {elapsed.TotalSeconds:0.0} s → {perViewerPerReport:0.0} commands per viewer per report = " +
               $"{perViewerPerReport / 2:0.0} per viewer per stage change");
        Report("  with pages, by statement: " + withPages.Top(12));
        Report("  without pages, by statement: " + withoutPages.Top(6));
        Report("  idle pages, by statement: " + idlePages.Top(6));
    }

    private static async Task ReportAsync(HttpClient api, Guid id, int stage)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await api.PostAsJsonAsync($"/api/deployments/{id}/stages/s{stage:00}/result", new { succeeded = true });
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"s{stage:00}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(20);
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        BenchResults.Write("queries.txt", line);
    }

    /// <summary>The app in this process on a real port, serving pages only; circuit revalidation as rare as allowed.</summary>
    private sealed class PageInstance : KestrelAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>(PageOnly)
            {
                ["Auth:CircuitRevalidationSeconds"] = "60",
            }));
        }
    }

    /// <summary>Counts the Npgsql commands of this process (the page instance's) by statement.</summary>
    private sealed class CommandCounter : IDisposable
    {
        private readonly ActivityListener _listener;
        private ConcurrentDictionary<string, int> _byStatement = new();
        private long _last = Stopwatch.GetTimestamp();

        public CommandCounter()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = activity =>
                {
                    var text = activity.GetTagItem("db.query.text") as string ?? activity.GetTagItem("db.statement") as string ?? activity.DisplayName;
                    var key = text.Length > 90 ? text[..90] : text;
                    _byStatement.AddOrUpdate(key.ReplaceLineEndings(" "), 1, (_, n) => n + 1);
                    Interlocked.Exchange(ref _last, Stopwatch.GetTimestamp());
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public sealed record Counts(int Total, IReadOnlyDictionary<string, int> ByStatement)
        {
            public string Top(int n) => string.Join(" | ", ByStatement.OrderByDescending(p => p.Value).Take(n).Select(p => $"{p.Value}× {p.Key}"));
        }

        public void Reset() => _byStatement = new ConcurrentDictionary<string, int>();

        public Counts Snapshot()
        {
            var copy = new Dictionary<string, int>(_byStatement);
            return new Counts(copy.Values.Sum(), copy);
        }

        /// <summary>Waits until no command ran for 400 ms (debounced reloads have happened), at most 10 s.</summary>
        public async Task QuietAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Stopwatch.GetElapsedTime(Interlocked.Read(ref _last)) < TimeSpan.FromMilliseconds(400) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
