using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Auth;

/// <summary>Personal API tokens: bearer authentication with the owner's current roles, stored as hashes only.</summary>
public sealed class ApiTokenTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Bearer_LiveToken_ActsWithTheOwnersRole()
    {
        var (value, _) = await CreateTokenAsync(Roles.Engineer);
        var client = Bearer(value);

        var read = await client.GetAsync("/api/teams");
        var create = await client.PostAsJsonAsync("/api/teams", new { name = $"Team {Guid.NewGuid():N}"[..20] });

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode); // engineers do not create teams
    }

    [Fact]
    public async Task Bearer_RevokedOrUnknownToken_Is401AndNeverARedirect()
    {
        var (value, caller) = await CreateTokenAsync(Roles.Admin);
        var tokens = app.Services.GetRequiredService<ApiTokenService>();
        var id = (await tokens.ListAsync(caller.UserId!)).Single().Id;
        Assert.True((await tokens.RevokeAsync(id, caller)).Succeeded);

        var revoked = await Bearer(value).GetAsync("/api/teams");
        var unknown = await Bearer("dg_" + new string('x', 43)).GetAsync("/api/teams");

        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("application/problem+json", revoked.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_Token_StoresOnlyItsHash()
    {
        var (value, _) = await CreateTokenAsync(Roles.Viewer);

        var stored = await Sql.ListAsync<string>(app.ConnectionString, "SELECT token_hash || ' ' || prefix FROM api_tokens");

        Assert.DoesNotContain(stored, row => row.Contains(value, StringComparison.Ordinal));
        Assert.Contains(stored, row => row.EndsWith(value[..10], StringComparison.Ordinal));
    }

    private async Task<(string Value, Caller Caller)> CreateTokenAsync(string role)
    {
        var user = await TestUsers.CreateAsync(app.Services, role);
        var caller = new Caller(user.Id, user.UserName, [role]);
        var created = await app.Services.GetRequiredService<ApiTokenService>().CreateAsync("tests", 30, caller);
        Assert.True(created.Succeeded, created.Message);
        return (created.Value!.Value, caller);
    }

    private HttpClient Bearer(string token)
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
