using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Security;

/// <summary>
/// A page on another site (or a sibling site of the same domain, which SameSite=Lax lets send the session cookie) makes
/// the browser of a signed-in person post to the API: without the session's antiforgery token the change is refused
/// with a 400 problem and nothing happens. The same call with the token, or with an API token, works.
/// </summary>
public sealed class CookieAntiforgeryTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    /// <summary>What the victim's browser sends: the cookie, an Origin and Sec-Fetch-Site of the attacker's page, no token.</summary>
    private static HttpRequestMessage CrossSite(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        return request;
    }

    private static HttpClient CookieOnly(HttpClient client)
    {
        client.DefaultRequestHeaders.Remove(SignIn.AntiforgeryHeader);
        return client;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("antiforgery token", problem.GetProperty("title").GetString());
    }

    private Task<long> TeamsNamedAsync(string name) =>
        Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM teams WHERE name = @n", ("n", name));

    [Fact]
    public async Task CreateTeam_SessionCookieOnly_Is400ProblemAndCreatesNothing()
    {
        var (admin, _) = await app.SignInNewUserAsync(Roles.Admin);
        var client = CookieOnly(admin);
        var name = $"csrf {Guid.NewGuid():N}"[..20];

        var response = await client.SendAsync(CrossSite(HttpMethod.Post, "/api/teams", JsonContent.Create(new { name })));

        await AssertRefusedAsync(response);
        Assert.Equal(0, await TeamsNamedAsync(name));
    }

    [Fact]
    public async Task UploadScan_SessionCookieAndTextPlainBody_Is400ProblemAndRecordsNothing()
    {
        // The upload reads its body whatever the content type says: a plain HTML form (enctype="text/plain") could send it
        // cross-site without a CORS preflight. Only the token stops it.
        var (engineer, _) = await app.SignInNewUserAsync(Roles.Engineer);
        var client = CookieOnly(engineer);
        var source = $"csrf-{Guid.NewGuid():N}";

        var response = await client.SendAsync(CrossSite(HttpMethod.Post, "/api/scans/upload",
            new StringContent(ScanReport(source), Encoding.UTF8, "text/plain")));

        await AssertRefusedAsync(response);
        Assert.Equal(0, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM scan_jobs WHERE source_url = @s", ("s", source)));
    }

    [Theory]
    [InlineData("/api/scans/import")]
    [InlineData("/api/epss/import")]
    public async Task ImportUpload_SessionCookieAndCrossSiteMultipart_Is400ProblemAndImportsNothing(string path)
    {
        // The uploads turn the framework's form check off for CI's bearer tokens; a cross-site multipart form is what a
        // browser sends with the cookie and without a preflight, so the session's token is still required.
        var (admin, _) = await app.SignInNewUserAsync(Roles.Admin);
        var client = CookieOnly(admin);
        const string count = "SELECT (SELECT count(*) FROM scans) + (SELECT count(*) FROM epss_scores)";
        var before = await Sql.ScalarAsync<long>(app.ConnectionString, count);
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent("{\"SchemaVersion\": 2, \"Results\": []}"u8.ToArray()), "file", "report.json" },
        };

        var response = await client.SendAsync(CrossSite(HttpMethod.Post, path, form));

        await AssertRefusedAsync(response);
        Assert.Equal(before, await Sql.ScalarAsync<long>(app.ConnectionString, count));
    }

    [Fact]
    public async Task DeleteTeam_SessionCookieOnly_Is400ProblemAndTheTeamStays()
    {
        var (admin, user) = await app.SignInNewUserAsync(Roles.Admin);
        var name = $"keep {Guid.NewGuid():N}"[..20];
        var team = (await app.Services.GetRequiredService<TeamService>().CreateAsync(new TeamInput { Name = name }, user.AsCaller(Roles.Admin))).Value!;
        var client = CookieOnly(admin);

        var response = await client.SendAsync(CrossSite(HttpMethod.Delete, $"/api/teams/{team.Id}"));

        await AssertRefusedAsync(response);
        Assert.Equal(1, await TeamsNamedAsync(name));
    }

    [Fact]
    public async Task CreateTeam_SessionCookieWithTheAttackersOwnToken_Is400AndCreatesNothing()
    {
        // The attacker has an account too: its token is bound to the attacker, not to the victim's session.
        var (attacker, _) = await app.SignInNewUserAsync(Roles.Viewer);
        var attackersToken = attacker.DefaultRequestHeaders.GetValues(SignIn.AntiforgeryHeader).Single();
        var (victim, _) = await app.SignInNewUserAsync(Roles.Admin);
        victim.DefaultRequestHeaders.Remove(SignIn.AntiforgeryHeader);
        victim.DefaultRequestHeaders.Add(SignIn.AntiforgeryHeader, attackersToken);
        var name = $"csrf {Guid.NewGuid():N}"[..20];

        var response = await victim.SendAsync(CrossSite(HttpMethod.Post, "/api/teams", JsonContent.Create(new { name })));

        await AssertRefusedAsync(response);
        Assert.Equal(0, await TeamsNamedAsync(name));
    }

    [Fact]
    public async Task CreateTeam_SessionCookieWithItsToken_Creates()
    {
        var (admin, _) = await app.SignInNewUserAsync(Roles.Admin); // sends the token of its pages
        var name = $"ok {Guid.NewGuid():N}"[..20];

        var response = await admin.PostAsJsonAsync("/api/teams", new { name });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(1, await TeamsNamedAsync(name));
    }

    [Fact]
    public async Task UploadScan_ApiTokenWithoutAntiforgeryToken_Records()
    {
        // CI and the CLI: a bearer token is never sent by a browser on its own, so it needs no antiforgery token.
        var engineer = await TestUsers.CreateAsync(app.Services, Roles.Engineer);
        var token = await app.Services.GetRequiredService<ApiTokenService>().CreateAsync(new ApiTokenInput("ci", 1), engineer.AsCaller(Roles.Engineer));
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Value!.Value);
        var source = $"ci-{Guid.NewGuid():N}";

        var response = await client.PostAsync("/api/scans/upload", new StringContent(ScanReport(source), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(1, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM scan_jobs WHERE source_url = @s", ("s", source)));
    }

    [Fact]
    public async Task DownloadPersonalData_SessionCookieOnly_IsRefusedByTheFormsAntiforgery()
    {
        // The account's minimal endpoints bind forms, so ASP.NET Core's own antiforgery check covers them.
        var (viewer, _) = await app.SignInNewUserAsync(Roles.Viewer);
        var client = CookieOnly(viewer);

        var response = await client.SendAsync(CrossSite(HttpMethod.Post, "/Account/Manage/DownloadPersonalData",
            new FormUrlEncodedContent(new Dictionary<string, string>())));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentDisposition);
    }

    [Theory]
    [InlineData("POST", "/hubs/deployments/negotiate?negotiateVersion=1")]
    [InlineData("GET", "/hubs/deployments")]
    public async Task LiveEventsHub_SessionFromAnotherOrigin_Is403(string method, string path)
    {
        // A WebSocket obeys no same-origin rule: another site's page could otherwise subscribe with the session and read
        // every deployment's live events.
        var (viewer, _) = await app.SignInNewUserAsync(Roles.Viewer);

        var crossSite = await viewer.SendAsync(CrossSite(new HttpMethod(method), path));
        using var own = new HttpRequestMessage(HttpMethod.Post, "/hubs/deployments/negotiate?negotiateVersion=1");
        own.Headers.Add("Origin", viewer.BaseAddress!.GetLeftPart(UriPartial.Authority));
        var sameOrigin = await viewer.SendAsync(own);

        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Equal("application/problem+json", crossSite.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, sameOrigin.StatusCode);
    }

    [Fact]
    public void EveryUnsafeEndpoint_IsCheckedByTheFrameworkOrByCookieAntiforgery_ExceptTheHubs()
    {
        _ = app.Server;
        var unchecked_ = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<StaticAssetDescriptor>() is null)
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods is not { } methods ||
                        methods.Any(m => !HttpMethods.IsGet(m) && !HttpMethods.IsHead(m)))
            .Where(e => e.Metadata.GetMetadata<IAntiforgeryMetadata>() is not { RequiresValidation: true } && !CookieAntiforgery.Covers(e))
            .Select(e => e.RoutePattern.RawText)
            .Distinct()
            .Order()
            .ToList();

        // The SignalR connections (negotiate and transport of a connection a page opened; their hub methods only read)
        // and the circuit's disconnect beacon. A new endpoint that opts out of antiforgery shows up here.
        Assert.Equal(["/_blazor", "/_blazor/disconnect/", "/_blazor/initializers/", "/_blazor/negotiate", "/hubs/deployments", "/hubs/deployments/negotiate"],
            unchecked_);
    }

    private static string ScanReport(string source) => JsonSerializer.Serialize(new
    {
        schemaVersion = 1,
        tool = new { name = "deployguard", version = "0.1.0" },
        mode = "directory",
        repository = new { name = source },
        startedAt = "2026-11-21T10:00:00+00:00",
        completedAt = "2026-11-21T10:00:04.2+00:00",
        statistics = new { filesScanned = 1, bytesScanned = 10, commitsScanned = 0, durationSeconds = 0.1 },
        findings = Array.Empty<object>(),
        unsuppressedCount = 0,
    });
}
