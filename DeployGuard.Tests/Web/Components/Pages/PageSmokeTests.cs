using System.Net;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Components.Pages;

/// <summary>Every page prerenders on the server without an error, with catalog data present, for an admin.</summary>
public sealed class PageSmokeTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Pages_AdminWithCatalogData_RenderWithoutError()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var team = (await app.Services.GetRequiredService<TeamService>().CreateAsync(new TeamInput { Name = "Smoke team" }, Caller.System)).Value!;
        var service = (await app.Services.GetRequiredService<ServiceCatalogService>().CreateAsync(
            new ServiceInput { Name = "smoke-svc", TeamId = team.Id, RepositoryUrl = "https://example.com/smoke.git" }, Caller.System)).Value!;
        var environment = (await app.Services.GetRequiredService<EnvironmentService>().CreateAsync(
            new EnvironmentInput { Name = "Smoke env" }, Caller.System)).Value!;
        string[] paths =
        [
            "/", "/teams", "/teams/new", $"/teams/{team.Id}", $"/teams/{team.Id}/edit", "/services", "/services/new", $"/services/{service.Id}",
            $"/services/{service.Id}/edit", $"/services/{service.Id}/pipeline", "/environments", "/environments/new",
            $"/environments/{environment.Id}/edit", $"/environments/{environment.Id}/protection", "/audit", "/admin/users", "/admin/sessions",
            "/admin/outbox", "/account/sessions", "/account/preferences", "/account/tokens", "/releases", "/releases/new", "/deployments",
            "/approvals", "/board", "/scans", "/scans/new", "/findings", "/findings/patterns",
        ];

        var failures = new List<string>();
        foreach (var path in paths)
        {
            var response = await client.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            // The layout's error boundary turns a page's exception into this message (still a 200).
            if (response.StatusCode != HttpStatusCode.OK || html.Contains("Something went wrong while showing this page", StringComparison.Ordinal)
                || html.Contains("could not be loaded", StringComparison.Ordinal))
            {
                failures.Add($"{path}: {(int)response.StatusCode}");
            }
        }

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("/teams/{0}")]
    [InlineData("/teams/{0}/edit")]
    [InlineData("/services/{0}")]
    [InlineData("/services/{0}/edit")]
    [InlineData("/environments/{0}/edit")]
    [InlineData("/environments/{0}/protection")]
    [InlineData("/services/{0}/pipeline")]
    [InlineData("/releases/{0}")]
    [InlineData("/deployments/{0}")]
    [InlineData("/scans/{0}")]
    [InlineData("/no-such-page")]
    public async Task Page_UnknownIdOrPath_Returns404NotAnError(string template)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);

        var response = await client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Guid.NewGuid()));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        // The friendly page, inside the app's layout, not the browser's bare error.
        Assert.Contains("couldn&#x27;t find that page", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
