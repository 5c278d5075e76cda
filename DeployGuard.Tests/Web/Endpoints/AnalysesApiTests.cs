using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>Analyses over HTTP: engineers trigger, the app's worker runs the agents, anyone signed in lists them and the costs.</summary>
public sealed class AnalysesApiTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Trigger_Engineer_202ThenTheWorkerStoresOneAnalysisPerAgent()
    {
        var client = await ClientAsync(Roles.Engineer);
        var scanId = await ImportAsync(client, "trivy/trivy-dd-1.json");

        var response = await client.PostAsJsonAsync($"/api/scans/{scanId}/analyses", new { agents = Array.Empty<string>() });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var analyses = await WaitForAnalysesAsync(client, scanId, 4);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(("queued", "deterministic", 4), (body.GetProperty("status").GetString(), body.GetProperty("provider").GetString(), body.GetProperty("agents").GetArrayLength()));
        Assert.Equal(["prioritization", "remediation", "security", "supply_chain"], analyses.Select(a => a.GetProperty("agent_type").GetString()!).Order());
        Assert.All(analyses, a => Assert.True(a.GetProperty("success").GetBoolean()));
        var security = analyses.Single(a => a.GetProperty("agent_type").GetString() == "security");
        // trivy-dd-1 carries two leaked GitHub tokens: the deploy decision is a reject.
        Assert.Equal("reject", security.GetProperty("output_data").GetProperty("decision").GetString());
        var costs = await client.GetFromJsonAsync<JsonElement>("/api/analyses/costs");
        Assert.True(costs.GetProperty("runs").GetInt32() >= 4);
        Assert.Contains(costs.GetProperty("per_agent").EnumerateArray(), a => a.GetProperty("agent_name").GetString() == "remediation");
    }

    [Fact]
    public async Task Trigger_OneNamedAgent_OnlyThatOneRuns()
    {
        var client = await ClientAsync(Roles.Engineer);
        var scanId = await ImportAsync(client, "trivy/trivy-dd-2.json");

        var response = await client.PostAsJsonAsync($"/api/scans/{scanId}/analyses", new { agents = new[] { "remediation" } });
        var analyses = await WaitForAnalysesAsync(client, scanId, 1);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("remediation", Assert.Single(analyses).GetProperty("agent_type").GetString());
    }

    [Fact]
    public async Task Trigger_Viewer_403AndListStillAllowed()
    {
        var engineer = await ClientAsync(Roles.Engineer);
        var scanId = await ImportAsync(engineer, "trivy/trivy-dd-2.json");
        var viewer = await ClientAsync(Roles.Viewer);

        var trigger = await viewer.PostAsJsonAsync($"/api/scans/{scanId}/analyses", new { });
        var list = await viewer.GetAsync($"/api/scans/{scanId}/analyses");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.OK), (trigger.StatusCode, list.StatusCode));
    }

    [Fact]
    public async Task Trigger_UnknownScanOrAgent_404Or400ProblemDetails()
    {
        var client = await ClientAsync(Roles.Engineer);
        var scanId = await ImportAsync(client, "trivy/trivy-dd-2.json");

        var unknownScan = await client.PostAsJsonAsync($"/api/scans/{Guid.NewGuid()}/analyses", new { });
        var unknownAgent = await client.PostAsJsonAsync($"/api/scans/{scanId}/analyses", new { agents = new[] { "oracle" } });
        var listMissing = await client.GetAsync($"/api/scans/{Guid.NewGuid()}/analyses");
        var problem = await unknownAgent.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.NotFound), (unknownScan.StatusCode, unknownAgent.StatusCode, listMissing.StatusCode));
        Assert.Contains("oracle", problem.GetProperty("errors").GetProperty("agents")[0].GetString());
    }

    [Fact]
    public async Task Trigger_Anonymous_401()
    {
        var response = await app.NewClient().PostAsJsonAsync($"/api/scans/{Guid.NewGuid()}/analyses", new { });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>Re-reads the list until the worker stored <paramref name="count"/> analyses (the worker runs them in the background).</summary>
    private static async Task<List<JsonElement>> WaitForAnalysesAsync(HttpClient client, Guid scanId, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var list = await client.GetFromJsonAsync<List<JsonElement>>($"/api/scans/{scanId}/analyses", timeout.Token);
            if (list!.Count >= count)
            {
                return list;
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    private static async Task<Guid> ImportAsync(HttpClient client, string fixture)
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(File.ReadAllBytes(ReportFixtures.PathOf(fixture))), "file", Path.GetFileName(fixture) },
            { new StringContent($"analyses-{Guid.NewGuid():N}"), "target" },
        };
        var response = await client.PostAsync("/api/scans/import", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("scan_id").GetGuid();
    }

    private async Task<HttpClient> ClientAsync(string role)
    {
        var user = await TestUsers.CreateAsync(app.Services, role);
        var created = await app.Services.GetRequiredService<ApiTokenService>().CreateAsync("tests", 30, new Caller(user.Id, user.UserName, [role]));
        Assert.True(created.Succeeded, created.Message);
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Value!.Value);
        return client;
    }
}
