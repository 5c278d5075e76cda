using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Endpoints;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>
/// A list endpoint's paging values outside their range answer 400 naming the parameter, instead of a silently clamped
/// page. The routes come from the app's endpoint data source, so a list added later is covered, and one that takes
/// skip/take/limit without declaring its range fails the coverage test.
/// </summary>
public sealed class PagingValidationTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    private static readonly string[] PagingNames = ["skip", "take", "limit"];

    [Fact]
    public void ApiRoutes_TakingPagingParameters_DeclareTheirRange()
    {
        var undeclared = ApiGets()
            .Where(e => e.Metadata.GetOrderedMetadata<IParameterBindingMetadata>().Any(p => PagingNames.Contains(p.Name))
                        && e.Metadata.GetMetadata<PagingMetadata>() is null)
            .Select(e => e.RoutePattern.RawText).ToList();

        Assert.True(undeclared.Count == 0, "without ValidatesPaging: " + string.Join(", ", undeclared));
    }

    [Fact]
    public async Task ListRoutes_OutOfRangePaging_Answer400NamingTheParameter()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var lists = ApiGets().Select(e => (Path: UnknownIdTests.Fill(e.RoutePattern), Paging: e.Metadata.GetMetadata<PagingMetadata>()))
            .Where(l => l.Paging is not null).ToList();
        Assert.True(lists.Count >= 9, $"only {lists.Count} list routes declare paging: the enumeration is broken");

        var differences = new List<string>();
        foreach (var (path, paging) in lists)
        {
            foreach (var (query, name) in new[]
                     {
                         ($"{paging!.TakeName}=0", paging.TakeName), ($"{paging.TakeName}=-5", paging.TakeName),
                         ($"{paging.TakeName}={paging.MaxTake + 1}", paging.TakeName), ("skip=-1", "skip"),
                     })
            {
                using var response = await client.GetAsync($"{path}?{query}");
                if (response.StatusCode != HttpStatusCode.BadRequest)
                {
                    differences.Add($"{path}?{query}: {(int)response.StatusCode}");
                    continue;
                }

                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (!problem.GetProperty("errors").TryGetProperty(name, out _))
                {
                    differences.Add($"{path}?{query}: errors without '{name}': {problem}");
                }
            }
        }

        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    [Theory]
    [InlineData("/api/deployments?skip=0&take=200")]
    [InlineData("/api/releases?take=1")]
    [InlineData("/api/scans?limit=500")]
    [InlineData("/api/vulnerabilities?skip=25&take=200")]
    public async Task ListRoutes_PagingAtItsBounds_Answer200(string path)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private IEnumerable<RouteEndpoint> ApiGets() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true
                        && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true);
}
