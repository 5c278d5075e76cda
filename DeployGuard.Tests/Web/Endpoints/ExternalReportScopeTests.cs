using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Releases;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>
/// Reporting an external stage's result or metrics: admins, engineers of the service's team, or a CI token scoped to
/// that service. Everyone else gets 403, the stage keeps waiting, no metric is stored, and the refusal is audited.
/// </summary>
public sealed class ExternalReportScopeTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    private sealed record Arranged(Guid DeploymentId, Guid ServiceId, Guid OtherServiceId, Caller Admin, Caller TeamEngineer, Caller OtherEngineer);

    private T Get<T>() where T : notnull => app.Services.GetRequiredService<T>();

    private async Task<Arranged> ArrangeAsync()
    {
        var adminUser = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        var admin = adminUser.AsCaller(Roles.Admin);
        var mine = await TestUsers.CreateAsync(app.Services, Roles.Engineer);
        var theirs = await TestUsers.CreateAsync(app.Services, Roles.Engineer);
        var teams = Get<TeamService>();
        var teamA = (await teams.CreateAsync(new TeamInput { Name = $"A {Guid.NewGuid():N}"[..20], MemberIds = [mine.Id] }, admin)).Value!;
        var teamB = (await teams.CreateAsync(new TeamInput { Name = $"B {Guid.NewGuid():N}"[..20], MemberIds = [theirs.Id] }, admin)).Value!;
        var catalog = Get<ServiceCatalogService>();
        var service = (await catalog.CreateAsync(new ServiceInput { Name = $"ext-{Guid.NewGuid():N}"[..20], TeamId = teamA.Id }, admin)).Value!;
        var other = (await catalog.CreateAsync(new ServiceInput { Name = $"oth-{Guid.NewGuid():N}"[..20], TeamId = teamB.Id }, admin)).Value!;
        var saved = await Get<PipelineService>().SaveAsync(service.Id, new PipelineInput { Yaml = "stages:\n  - name: qa\n    kind: external\n    timeout: 3600\n" }, admin);
        Assert.True(saved.Succeeded, saved.Message);
        var environment = (await Get<EnvironmentService>().CreateAsync(new EnvironmentInput { Name = $"env-{Guid.NewGuid():N}"[..20] }, admin)).Value!;
        var release = (await Get<ReleaseService>().CreateAsync(new ReleaseInput { ServiceId = service.Id, Version = "1.0.0" }, admin)).Value!;
        var started = await Get<DeploymentService>().StartAsync(new StartDeploymentInput { ReleaseId = release.Id, EnvironmentId = environment.Id }, admin);
        Assert.True(started.Succeeded, started.Message);
        await WaitForStageAsync(started.Value!.DeploymentId, StageStatus.Running);
        return new Arranged(started.Value.DeploymentId, service.Id, other.Id, admin, mine.AsCaller(Roles.Engineer), theirs.AsCaller(Roles.Engineer));
    }

    private async Task WaitForStageAsync(Guid deploymentId, StageStatus status)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var detail = await Get<DeploymentQueries>().GetAsync(deploymentId);
            if (detail?.Stages.FirstOrDefault(s => s.Name == "qa")?.Status == status)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"stage qa never became {status}");
            await Task.Delay(100);
        }
    }

    private async Task<HttpClient> SignedInAsync(Caller caller)
    {
        var client = app.NewClient();
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostLoginAsync(caller.UserName!, TestUsers.Password)).StatusCode);
        return client;
    }

    private async Task<HttpClient> WithTokenAsync(Caller owner, Guid? serviceId)
    {
        var token = await Get<ApiTokenService>().CreateAsync(new ApiTokenInput("ci", 1, serviceId), owner);
        Assert.True(token.Succeeded, token.Message);
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Value!.Value);
        return client;
    }

    private async Task<(long Metrics, long Denials, StageStatus Stage)> StateAsync(Guid deploymentId) => (
        await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM deployment_metrics WHERE deployment_id = @d AND name IN ('evil', 'p95_ms')",
            ("d", deploymentId)),
        await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM audit_logs WHERE action = 'deployment.access_denied' AND resource_id = @d",
            ("d", deploymentId.ToString())),
        Enum.Parse<StageStatus>(await Sql.ScalarAsync<string>(app.ConnectionString,
            "SELECT status FROM deployment_stages WHERE deployment_id = @d AND name = 'qa'", ("d", deploymentId))));

    public static TheoryData<string> Outsiders => ["other team's engineer", "viewer", "approver", "token of another service", "other engineer's token"];

    [Theory]
    [MemberData(nameof(Outsiders))]
    public async Task Report_Outsider_Is403ChangesNothingAndIsAudited(string who)
    {
        var a = await ArrangeAsync();
        var client = who switch
        {
            "other team's engineer" => await SignedInAsync(a.OtherEngineer),
            "viewer" => await SignedInAsync((await TestUsers.CreateAsync(app.Services, Roles.Viewer)).AsCaller(Roles.Viewer)),
            "approver" => await SignedInAsync((await TestUsers.CreateAsync(app.Services, Roles.Approver)).AsCaller(Roles.Approver)),
            // Even an admin's CI token acts only on its own service.
            "token of another service" => await WithTokenAsync(a.Admin, a.OtherServiceId),
            _ => await WithTokenAsync(a.OtherEngineer, null),
        };

        var metric = await client.PostAsJsonAsync($"/api/deployments/{a.DeploymentId}/metrics", new { name = "evil", value = 1 });
        var result = await client.PostAsJsonAsync($"/api/deployments/{a.DeploymentId}/stages/qa/result", new { succeeded = true, message = "pwned" });

        Assert.Equal(HttpStatusCode.Forbidden, metric.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, result.StatusCode);
        Assert.Equal((0L, 2L, StageStatus.Running), await StateAsync(a.DeploymentId));
    }

    public static TheoryData<string> Insiders => ["admin", "team engineer", "CI token of the service"];

    [Theory]
    [MemberData(nameof(Insiders))]
    public async Task Report_AllowedCaller_RecordsTheMetricAndEndsTheStage(string who)
    {
        var a = await ArrangeAsync();
        var client = who switch
        {
            "admin" => await SignedInAsync(a.Admin),
            "team engineer" => await SignedInAsync(a.TeamEngineer),
            _ => await WithTokenAsync(a.TeamEngineer, a.ServiceId),
        };

        var metric = await client.PostAsJsonAsync($"/api/deployments/{a.DeploymentId}/metrics", new { name = "p95_ms", value = 120, unit = "ms" });
        var result = await client.PostAsJsonAsync($"/api/deployments/{a.DeploymentId}/stages/qa/result", new { succeeded = true, message = "QA passed" });

        Assert.Equal(HttpStatusCode.NoContent, metric.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, result.StatusCode);
        await WaitForStageAsync(a.DeploymentId, StageStatus.Succeeded);
        var state = await StateAsync(a.DeploymentId);
        Assert.Equal(1L, state.Metrics);
        Assert.Equal(0L, state.Denials);
    }

    [Fact]
    public async Task CiToken_OutsideItsEndpointsOrService_Is403()
    {
        var a = await ArrangeAsync();
        var ci = await WithTokenAsync(a.Admin, a.ServiceId);
        var otherCi = await WithTokenAsync(a.Admin, a.OtherServiceId);

        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync($"/api/deployments/{a.DeploymentId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync($"/api/deployments/{a.DeploymentId}/logs")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherCi.GetAsync($"/api/deployments/{a.DeploymentId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherCi.GetAsync($"/api/deployments/{a.DeploymentId}/logs")).StatusCode);
        // Nothing else, not even reading, although the owner is an admin.
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.GetAsync("/api/teams")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.GetAsync("/api/deployments")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.DeleteAsync($"/api/services/{a.ServiceId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ci.GetAsync("/api/audit/export.csv")).StatusCode);
    }

    [Fact]
    public async Task CreateCiToken_EngineerOfAnotherTeam_IsForbidden()
    {
        var a = await ArrangeAsync();

        var refused = await Get<ApiTokenService>().CreateAsync(new ApiTokenInput("ci", 30, a.ServiceId), a.OtherEngineer);
        var allowed = await Get<ApiTokenService>().CreateAsync(new ApiTokenInput("ci", 30, a.ServiceId), a.TeamEngineer);

        Assert.Equal(ResultStatus.Forbidden, refused.Status);
        Assert.True(allowed.Succeeded, allowed.Message);
        Assert.Equal([allowed.Value!.Token.Id], (await Get<ApiTokenService>().ListForServiceAsync(a.ServiceId)).Select(t => t.Id));
    }
}
