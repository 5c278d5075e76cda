using System.Net;
using System.Net.Http.Headers;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace DeployGuard.Tests.Web.Telemetry;

/// <summary>The app in-process with a scrape token configured.</summary>
public sealed class MetricsWebAppFactory : WebAppFactory
{
    public const string Token = "scrape-token-for-the-tests-0123456789";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telemetry:Metrics:Token"] = Token,
            ["Telemetry:RefreshSeconds"] = "1",
        }));
    }
}

/// <summary>The Prometheus scrape endpoint: who may read it, and what it says after a real deployment.</summary>
public sealed class MetricsEndpointTests(MetricsWebAppFactory app) : IClassFixture<MetricsWebAppFactory>
{
    [Fact]
    public async Task Metrics_AfterADeployment_ReportsItsCountersHistogramsAndGauges()
    {
        // The app (and its meter listener) first: a deployment the kit starts before the host exists would be counted by nobody.
        using var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MetricsWebAppFactory.Token);
        await using var kit = await DeploymentTestKit.CreateAsync(app.ConnectionString);
        var environment = await kit.EnvironmentAsync("metrics");
        var service = await kit.ServiceAsync("stages:\n  - name: build\n    kind: command\n    run: echo built\n  - name: pause\n    kind: wait\n    seconds: 0");
        var id = await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);

        // The app's own workers run it.
        Assert.Equal(DeploymentStatus.Succeeded, (await kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(60))).Status);
        string[] expected =
        [
            @"(?m)^deployguard_deployments_started_total(\{[^}]*\})? [1-9]",
            @"(?m)^deployguard_deployments_finished_total\{[^}]*outcome=""succeeded""[^}]*\} [1-9]",
            @"(?m)^deployguard_stage_duration_seconds_count\{[^}]*type=""command""[^}]*\} [1-9]",
            @"(?m)^deployguard_stage_duration_seconds_count\{[^}]*type=""wait""[^}]*\} [1-9]",
            @"(?m)^deployguard_jobs_claim_duration_seconds_count\{[^}]*kind=""DeploymentStage""[^}]*\} [1-9]",
            @"(?m)^deployguard_jobs_queued\{[^}]*kind=""DeploymentStage""[^}]*\} \d",
            @"(?m)^deployguard_approvals_waiting(\{[^}]*\})? \d",
            // ASP.NET Core's own instruments come along: a request is counted once it has ended, so this is an earlier scrape.
            "(?m)^http_server_request_duration_seconds",
        ];

        // Wait for every line, not only the gauges: the exporter answers a scrape from its cache for 300 ms, so the first
        // answer can be the other test's scrape from before this deployment (gauges, no deployment counters yet).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string text;
        do
        {
            var response = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            if (expected.All(pattern => System.Text.RegularExpressions.Regex.IsMatch(text, pattern)))
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        foreach (var pattern in expected)
        {
            Assert.Matches(pattern, text);
        }
    }

    [Fact]
    public async Task Metrics_WithoutToken_Is401AndForAnEngineerIs403()
    {
        using var anonymous = app.NewClient();
        var (engineer, _) = await app.SignInNewUserAsync(Roles.Engineer);
        var (admin, _) = await app.SignInNewUserAsync(Roles.Admin);
        using var wrong = app.NewClient();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MetricsWebAppFactory.Token + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await engineer.GetAsync("/metrics")).StatusCode);
        var asAdmin = await admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Contains("# TYPE", await asAdmin.Content.ReadAsStringAsync());
    }
}
