using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>
/// Every API route that names a resource by id, read or deleted with an id nothing has, answers 404 with a problem body:
/// never a 500, and never a 200 with an empty answer that reads like "exists, has nothing". The routes come from the
/// app's endpoint data source, so a route added later is checked without an entry here.
/// </summary>
public sealed class UnknownIdTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task ApiRoutesWithIds_UnknownIds_Answer404Problem()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true && e.RoutePattern.Parameters.Count > 0)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Where(m => m is "GET" or "DELETE")
                .Select(m => (Method: m, Path: Fill(e.RoutePattern))))
            .Distinct().ToList();
        Assert.True(routes.Count >= 15, $"only {routes.Count} routes with ids found: the enumeration is broken");

        var differences = new List<string>();
        foreach (var (method, path) in routes)
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            var type = response.Content.Headers.ContentType?.MediaType;
            if (response.StatusCode != HttpStatusCode.NotFound || type != "application/problem+json")
            {
                differences.Add($"{method} {path}: {(int)response.StatusCode} {type}");
                continue;
            }

            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (problem.GetProperty("status").GetInt32() != 404)
            {
                differences.Add($"{method} {path}: problem status {problem.GetProperty("status")}");
            }
        }

        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    /// <summary>A value of the parameter's type that no row has: a fresh GUID, a huge number, an unlikely name.</summary>
    internal static string Fill(RoutePattern pattern)
    {
        var path = pattern.RawText!;
        foreach (var parameter in pattern.Parameters)
        {
            var constraint = parameter.ParameterPolicies.Select(p => p.Content).FirstOrDefault();
            var value = constraint switch
            {
                "guid" => Guid.NewGuid().ToString(),
                "long" or "int" => "987654321",
                _ => parameter.Name.Contains("id", StringComparison.OrdinalIgnoreCase) ? Guid.NewGuid().ToString() : "no-such-thing",
            };
            path = System.Text.RegularExpressions.Regex.Replace(path, "\\{" + parameter.Name + "(:[^}]*)?\\}", value);
        }

        return path;
    }
}
