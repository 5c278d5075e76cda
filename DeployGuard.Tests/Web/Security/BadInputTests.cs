using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Security;

/// <summary>
/// Text PostgreSQL refuses, YAML the parser chokes on, redirects off-site and framework errors: each is a 400 (or a
/// redirect home) that names the problem in words, never a 500, and nothing changes.
/// </summary>
public sealed class BadInputTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Theory]
    [InlineData("/api/teams", "{\"name\": \"bad\\u0000name\"}", "name")]
    [InlineData("/api/teams", "{\"name\": \"ok\", \"description\": \"lone \\ud800 surrogate\"}", "description")]
    [InlineData("/api/teams", "{\"name\": \"ok\", \"memberIds\": [\"a\", \"b\\u0000\"]}", "memberIds[1]")]
    [InlineData("/api/teams", "{\"na\\u0000me\": \"x\"}", "na\0me")]
    public async Task PostJson_UnstorableText_Returns400NamingTheFieldAndChangesNothing(string path, string json, string field)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var before = await DbSnapshot.TakeAsync(app.ConnectionString);

        var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.ConnectionString));
    }

    [Theory]
    [InlineData("/api/deployments?search=a%00b", "search")]
    [InlineData("/api/releases?search=%00", "search")]
    [InlineData("/api/audit/export.csv?actor=x%00", "actor")]
    public async Task Get_UnstorableTextInQuery_Returns400NamingTheParameter(string path, string parameter)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(parameter, out _), errors.ToString());
    }

    [Fact]
    public async Task PostLoginForm_NulInEmail_Returns400NamingTheFieldAndAuditsNothing()
    {
        var client = app.NewClient();
        var before = await DbSnapshot.TakeAsync(app.ConnectionString);

        var response = await client.PostLoginAsync("a\0@b.example", "whatever-1");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Input.Email", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.ConnectionString));
    }

    [Theory]
    [InlineData("? :")]
    [InlineData("\t\t: : :")]
    [InlineData("stages:\n  - name: a\n    ? :\n")]
    public async Task ValidatePipeline_YamlTheParserRejects_ReturnsErrorsWithLineAndColumn(string yaml)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Engineer);

        var response = await client.PostAsJsonAsync("/api/pipelines/validate", new { yaml });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("valid").GetBoolean());
        var error = body.GetProperty("errors")[0];
        Assert.InRange(error.GetProperty("line").GetInt32(), 1, yaml.Split('\n').Length);
        Assert.True(error.GetProperty("column").GetInt32() >= 1);
        Assert.StartsWith("YAML syntax error", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task SavePipeline_YamlTheParserRejects_Returns400AndKeepsTheOldPipeline()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var service = await (await client.PostAsJsonAsync("/api/services", new { name = $"yaml-{Guid.NewGuid():N}"[..20] }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = service.GetProperty("id").GetGuid();

        var response = await client.PutAsJsonAsync($"/api/services/{id}/pipeline", new { yaml = "? :" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var pipeline = await client.GetFromJsonAsync<JsonElement>($"/api/services/{id}/pipeline");
        Assert.True(pipeline.GetProperty("isDefault").GetBoolean());
    }

    [Theory]
    [InlineData("https://evil.example/x", "/")]
    [InlineData("//evil.example/x", "/")]
    [InlineData("/\\evil.example/x", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("http://localhost.evil.example/", "/")]
    [InlineData("/deployments?status=Failed", "/deployments?status=Failed")]
    [InlineData("http://localhost/releases", "/releases")]
    public async Task Login_ReturnUrl_RedirectsOnlyWithinTheSite(string returnUrl, string expected)
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        var client = app.NewClient();

        var response = await client.PostLoginAsync(user.Email!, TestUsers.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("http://localhost" + expected, response.Headers.Location!.ToString());
    }

    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("https://evil.example/")]
    public async Task Logout_OffSiteReturnUrl_RedirectsHome(string returnUrl)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);
        var token = await SignIn.AntiforgeryTokenAsync(client, "/account/tokens");

        var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["returnUrl"] = returnUrl,
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/api/deployments?status=Bogus", "status")]
    [InlineData("/api/deployments?take=many", "take")]
    [InlineData("/api/deployments?serviceId=not-a-guid", "serviceId")]
    public async Task Get_UnbindableQuery_Returns400InWords(string path, string parameter)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.True(body.GetProperty("errors").TryGetProperty(parameter, out _), text);
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("Nullable", text);
        Assert.DoesNotContain("Exception", text);
    }

    [Theory]
    [InlineData("{\"name\": \"ok-name\", \"teamId\": \"not-a-guid\"}", "teamId", "UUID")]
    [InlineData("{\"name\": \"ok-name\", \"runtime\": \"Rocket\"}", "runtime", "one of")]
    [InlineData("{\"name\": 42}", "name", "string")]
    public async Task PostJson_WrongType_SaysWhatWasExpectedWithoutTypeNames(string json, string field, string expected)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);

        var response = await client.PostAsync("/api/services", new StringContent(json, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty(field)[0].GetString();
        Assert.Contains(expected, message);
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("DeployGuard.", text);
        Assert.DoesNotContain("ServiceInput", text);
    }

    [Fact]
    public async Task Get_DatabaseErrorInApi_Returns500ProblemWithoutInternals()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);
        // A real failure inside the endpoint: this test class's own database loses a table the query needs.
        await Sql.ExecuteAsync(app.ConnectionString, "ALTER TABLE releases RENAME TO releases_gone");
        try
        {
            var response = await client.GetAsync("/api/releases");

            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, text);
            Assert.True("application/problem+json" == response.Content.Headers.ContentType?.MediaType, text);
            Assert.Equal("Something went wrong on our side.", JsonDocument.Parse(text).RootElement.GetProperty("title").GetString());
            Assert.DoesNotContain("releases", text);
            Assert.DoesNotContain("Npgsql", text);
            Assert.DoesNotContain("Exception", text);
            Assert.DoesNotContain(".cs", text);
        }
        finally
        {
            await Sql.ExecuteAsync(app.ConnectionString, "ALTER TABLE releases_gone RENAME TO releases");
        }
    }
}
