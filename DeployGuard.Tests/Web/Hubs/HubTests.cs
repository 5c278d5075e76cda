using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace DeployGuard.Tests.Web.Hubs;

/// <summary>/hubs/deployments on the real app (child process), authorised like the UI.</summary>
[Collection(AppProcessCollection.Name)]
public sealed class HubTests : IAsyncLifetime
{
    private DeploymentTestKit _kit = default!;
    private AppProcess _app = default!;

    public async Task InitializeAsync()
    {
        _kit = await DeploymentTestKit.CreateAsync();
        _app = await AppProcess.StartAsync(_kit.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _kit.DisposeAsync();
    }

    [Fact]
    public async Task Subscribe_ToADeployment_ReceivesStageChangesLogLinesAndTheFinish()
    {
        var viewer = await _kit.UserAsync(Roles.Viewer);
        var cookies = await SignIn.CookiesAsync(_app.BaseUrl, viewer.UserName!, "Test-pass-2026");
        var environment = await _kit.EnvironmentAsync("hub");
        var service = await _kit.ServiceAsync("stages:\n  - name: hello\n    kind: command\n    run: echo hello from the hub test");
        var release = await _kit.ReleaseAsync(service.Id);
        await using var hub = DeploymentsHubClient.Create(_app.BaseUrl, cookies);
        var events = new ConcurrentQueue<(string Kind, JsonElement Payload)>();
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var kind in new[] { "StageChanged", "LogAppended", "DeploymentChanged" })
        {
            hub.On<JsonElement>(kind, payload => events.Enqueue((kind, payload)));
        }

        hub.On<JsonElement>("DeploymentFinished", payload =>
        {
            events.Enqueue(("DeploymentFinished", payload));
            finished.TrySetResult();
        });
        await hub.StartAsync();

        // Subscribe before the deployment can start: queue it through the kit with the runner of the app doing the work.
        var id = await _kit.StartAsync(release, environment.Id);
        await hub.InvokeAsync("Subscribe", id);
        await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(events, e => e.Kind == "StageChanged" && e.Payload.GetProperty("stageName").GetString() == "hello" &&
                                     e.Payload.GetProperty("status").GetString() == "Succeeded");
        Assert.Contains(events, e => e.Kind == "LogAppended" &&
                                     e.Payload.GetProperty("lines").EnumerateArray().Any(l => l.GetProperty("message").GetString() == "hello from the hub test"));
        Assert.Equal("Succeeded", events.Last(e => e.Kind == "DeploymentFinished").Payload.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Subscribe_UnknownDeployment_IsRefused()
    {
        var viewer = await _kit.UserAsync(Roles.Viewer);
        var cookies = await SignIn.CookiesAsync(_app.BaseUrl, viewer.UserName!, "Test-pass-2026");
        await using var hub = DeploymentsHubClient.Create(_app.BaseUrl, cookies);
        await hub.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", Guid.NewGuid()));

        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public async Task Connect_WithoutSigningIn_IsUnauthorized()
    {
        await using var hub = DeploymentsHubClient.Create(_app.BaseUrl, cookies: null);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    [Fact]
    public async Task Api_BadInput_IsProblemDetailsAndUnknownIdsAre404()
    {
        var engineer = await _kit.UserAsync(Roles.Engineer);
        var cookies = await SignIn.CookiesAsync(_app.BaseUrl, engineer.UserName!, "Test-pass-2026");
        using var handler = new HttpClientHandler { CookieContainer = cookies };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(_app.BaseUrl) };

        var unknownDeployment = await http.GetAsync($"/api/deployments/{Guid.NewGuid()}");
        var unknownLogs = await http.GetAsync($"/api/deployments/{Guid.NewGuid()}/logs");
        var start = await http.PostAsJsonAsync("/api/deployments", new { releaseId = Guid.NewGuid(), environmentId = Guid.NewGuid() });
        var validate = await http.PostAsJsonAsync("/api/pipelines/validate", new { yaml = "stages:\n  - name: x\n    kind: nope" });
        var approve = await http.PostAsJsonAsync($"/api/deployments/{Guid.NewGuid()}/approvals", new { approve = true });

        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknownDeployment.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknownLogs.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, start.StatusCode);
        var problem = await start.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("does not exist", problem.GetProperty("errors").GetProperty("ReleaseId")[0].GetString());
        var validation = await validate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(validation.GetProperty("valid").GetBoolean());
        Assert.Equal(3, validation.GetProperty("errors")[0].GetProperty("line").GetInt32());
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, approve.StatusCode);
    }
}
