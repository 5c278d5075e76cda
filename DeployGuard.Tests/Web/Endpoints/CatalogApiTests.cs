using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>The catalog API over HTTP: authentication, roles, problem details, never a 500.</summary>
public sealed class CatalogApiTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Theory]
    [InlineData("GET", "/api/teams")]
    [InlineData("GET", "/api/services")]
    [InlineData("GET", "/api/environments")]
    [InlineData("POST", "/api/teams")]
    [InlineData("DELETE", "/api/services/0b2f8a0e-8f7e-4a52-9a36-1f1f3c1f1f3c")]
    [InlineData("GET", "/api/audit/export.csv")]
    public async Task Api_Anonymous_Returns401WithoutRedirect(string method, string path)
    {
        var response = await app.NewClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "GET" ? null : JsonContent.Create(new { name = "x" }),
        });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task TeamsCrud_Admin_CreatesReadsUpdatesAndDeletes()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var name = $"Api team {Guid.NewGuid():N}"[..21];

        var created = await client.PostAsJsonAsync("/api/teams", new { name, slackChannel = "#api-team" });
        var team = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = team.GetProperty("id").GetGuid();
        var read = await client.GetAsync($"/api/teams/{id}");
        var updated = await client.PutAsJsonAsync($"/api/teams/{id}", new { name, description = "via the API" });
        var listed = await client.GetFromJsonAsync<JsonElement>($"/api/teams?search={Uri.EscapeDataString(name)}");
        var deleted = await client.DeleteAsync($"/api/teams/{id}");
        var gone = await client.GetAsync($"/api/teams/{id}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/teams/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("via the API", (await updated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("description").GetString());
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("GET", "teams")]
    [InlineData("PUT", "teams")]
    [InlineData("DELETE", "teams")]
    [InlineData("GET", "services")]
    [InlineData("PUT", "services")]
    [InlineData("DELETE", "services")]
    [InlineData("GET", "environments")]
    [InlineData("PUT", "environments")]
    [InlineData("DELETE", "environments")]
    public async Task Api_UnknownId_Returns404ProblemDetails(string method, string resource)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var body = resource switch
        {
            "teams" => (object)new { name = "Nobody" },
            "services" => new { name = "nobody", defaultBranch = "main" },
            _ => new { name = "Nowhere" },
        };

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/{resource}/{Guid.NewGuid()}")
        {
            Content = method == "PUT" ? JsonContent.Create(body) : null,
        });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains("does not exist", problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("/api/teams/not-a-guid")]
    [InlineData("/api/services/12345")]
    [InlineData("/api/audit/not-a-number")]
    [InlineData("/api/no-such-endpoint")]
    public async Task Api_MalformedIdOrUnknownRoute_Returns404ProblemNot500(string path)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Post_InvalidInput_Returns400WithFieldErrorsAndStoresNothing()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var before = await DbSnapshot.TakeAsync(app.ConnectionString);

        var response = await client.PostAsJsonAsync("/api/services",
            new { name = "Bad Name", repositoryUrl = "ftp://example.com/x", defaultBranch = "a..b", description = new string('d', 1001) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["DefaultBranch", "Description", "Name", "RepositoryUrl"], errors.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.ConnectionString));
    }

    [Fact]
    public async Task Post_EnumsByName_AreAcceptedAndReturnedByName()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var name = $"enum-{Guid.NewGuid():N}"[..20];

        var response = await client.PostAsync("/api/services",
            new StringContent($"{{\"name\": \"{name}\", \"runtime\": \"Go\"}}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Go", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runtime").GetString());
    }

    [Theory]
    [InlineData("{\"name\": ")]
    [InlineData("not json at all")]
    [InlineData("{\"name\": \"ok-name\", \"runtime\": \"Rocket\"}")]
    [InlineData("{\"name\": \"ok-name\", \"teamId\": \"not-a-guid\"}")]
    [InlineData("{\"name\": 42}")]
    [InlineData("[]")]
    public async Task Post_MalformedJson_Returns400ProblemDetailsAndStoresNothing(string json)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var before = await DbSnapshot.TakeAsync(app.ConnectionString);

        var response = await client.PostAsync("/api/services", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.ConnectionString));
    }

    [Fact]
    public async Task Post_MalformedJson_NamesTheOffendingField()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);

        var response = await client.PostAsync("/api/services",
            new StringContent("{\"name\": \"ok-name\", \"teamId\": \"not-a-guid\"}", Encoding.UTF8, "application/json"));

        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("teamId", out _), errors.ToString());
    }

    [Fact]
    public async Task Post_NullMemberList_IsTreatedAsNoMembers()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);

        var response = await client.PostAsync("/api/teams",
            new StringContent($"{{\"name\": \"Null members {Guid.NewGuid():N}\", \"memberIds\": null}}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Post_DuplicateName_Returns400NamingTheField()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var name = $"Dup env {Guid.NewGuid():N}"[..20];
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/environments", new { name })).StatusCode);

        var response = await client.PostAsJsonAsync("/api/environments", new { name = name.ToUpperInvariant() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal("An environment with this name already exists.", errors.GetProperty("Name")[0].GetString());
    }

    [Theory]
    [InlineData("/api/teams", "{\"name\": \"Viewer team\"}")]
    [InlineData("/api/services", "{\"name\": \"viewer-svc\", \"defaultBranch\": \"main\"}")]
    [InlineData("/api/environments", "{\"name\": \"Viewer env\"}")]
    public async Task Post_Viewer_Returns403AndStoresNothing(string path, string json)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);
        var before = await DbSnapshot.TakeAsync(app.ConnectionString);

        var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.ConnectionString));
    }

    [Fact]
    public async Task Get_Viewer_ReadsTheCatalog()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);

        var teams = await client.GetAsync("/api/teams");
        var services = await client.GetAsync("/api/services?take=5");
        var environments = await client.GetAsync("/api/environments");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { teams.StatusCode, services.StatusCode, environments.StatusCode });
    }

    [Fact]
    public async Task PostService_EngineerForOwnAndOtherTeam_CreatesOnlyForOwnTeam()
    {
        var (client, engineer) = await app.SignInNewUserAsync(Roles.Engineer);
        var teams = app.Services.GetRequiredService<TeamService>();
        var own = (await teams.CreateAsync(new TeamInput { Name = $"Own {Guid.NewGuid():N}"[..16], MemberIds = [engineer.Id] }, Caller.System)).Value!;
        var other = (await teams.CreateAsync(new TeamInput { Name = $"Other {Guid.NewGuid():N}"[..18] }, Caller.System)).Value!;

        var forOwn = await client.PostAsJsonAsync("/api/services", new { name = $"own-{Guid.NewGuid():N}"[..16], teamId = own.Id });
        var forOther = await client.PostAsJsonAsync("/api/services", new { name = $"other-{Guid.NewGuid():N}"[..18], teamId = other.Id });

        Assert.Equal(HttpStatusCode.Created, forOwn.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forOther.StatusCode);
    }

    [Fact]
    public async Task PostTeam_Admin_AuditsTheCallerWithClientDetails()
    {
        var (client, admin) = await app.SignInNewUserAsync(Roles.Admin);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("deployguard-tests/1.0");

        var response = await client.PostAsJsonAsync("/api/teams", new { name = $"Audited {Guid.NewGuid():N}"[..20] });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var row = await Sql.ScalarAsync<string>(app.ConnectionString,
            "SELECT user_id || '|' || user_name || '|' || user_agent FROM audit_logs WHERE resource_id = @id", ("id", id.ToString()));
        Assert.Equal($"{admin.Id}|{admin.UserName}|deployguard-tests/1.0", row);
    }
}
