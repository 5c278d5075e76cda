using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using static DeployGuard.Web.Endpoints.ResultHttp;

namespace DeployGuard.Web.Endpoints;

/// <summary>The catalog over HTTP (cookie-authenticated), answering errors as problem details.</summary>
internal static class CatalogApi
{
    public static void MapCatalogApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(Policies.Read);

        var teams = api.MapGroup("/teams");
        teams.MapGet("/", async (TeamService svc, string? search, int? skip, int? take, CancellationToken ct) =>
            Results.Ok(await svc.ListAsync(new ListQuery { Search = search, Skip = skip ?? 0, Take = take ?? 50 }, ct)))
            .ValidatesPaging();
        teams.MapGet("/{id:guid}", async (Guid id, TeamService svc, CancellationToken ct) =>
            await svc.GetAsync(id, ct) is { } team ? Results.Ok(team) : NotFound("Team", id));
        teams.MapPost("/", async (TeamInput input, TeamService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.CreateAsync(input, CurrentUser.From(http), ct), created: t => $"/api/teams/{t.Id}"));
        teams.MapPut("/{id:guid}", async (Guid id, TeamInput input, TeamService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.UpdateAsync(id, input, CurrentUser.From(http), ct)));
        teams.MapDelete("/{id:guid}", async (Guid id, TeamService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.DeleteAsync(id, CurrentUser.From(http), ct)));

        var services = api.MapGroup("/services");
        services.MapGet("/", async (ServiceCatalogService svc, string? search, Guid? teamId, int? skip, int? take, CancellationToken ct) =>
            Results.Ok(await svc.ListAsync(new ServiceQuery { Search = search, TeamId = teamId, Skip = skip ?? 0, Take = take ?? 50 }, ct)))
            .ValidatesPaging();
        services.MapGet("/{id:guid}", async (Guid id, ServiceCatalogService svc, CancellationToken ct) =>
            await svc.GetAsync(id, ct) is { } service ? Results.Ok(service) : NotFound("Service", id));
        services.MapPost("/", async (ServiceInput input, ServiceCatalogService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.CreateAsync(input, CurrentUser.From(http), ct), created: s => $"/api/services/{s.Id}"));
        services.MapPut("/{id:guid}", async (Guid id, ServiceInput input, ServiceCatalogService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.UpdateAsync(id, input, CurrentUser.From(http), ct)));
        services.MapDelete("/{id:guid}", async (Guid id, ServiceCatalogService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.DeleteAsync(id, CurrentUser.From(http), ct)));

        var environments = api.MapGroup("/environments");
        environments.MapGet("/", async (EnvironmentService svc, CancellationToken ct) => Results.Ok(await svc.AllAsync(ct)));
        environments.MapGet("/{id:guid}", async (Guid id, EnvironmentService svc, CancellationToken ct) =>
            await svc.GetAsync(id, ct) is { } environment ? Results.Ok(environment) : NotFound("Environment", id));
        environments.MapPost("/", async (EnvironmentInput input, EnvironmentService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.CreateAsync(input, CurrentUser.From(http), ct), created: e => $"/api/environments/{e.Id}"));
        environments.MapPut("/{id:guid}", async (Guid id, EnvironmentInput input, EnvironmentService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.UpdateAsync(id, input, CurrentUser.From(http), ct)));
        environments.MapDelete("/{id:guid}", async (Guid id, EnvironmentService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.DeleteAsync(id, CurrentUser.From(http), ct)));
    }
}
