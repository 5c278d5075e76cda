using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Releases;
using DeployGuard.Web.Auth;
using static DeployGuard.Web.Endpoints.ResultHttp;

namespace DeployGuard.Web.Endpoints;

/// <summary>Releases, pipelines, deployments and approvals over HTTP (cookie-authenticated), errors as problem details.</summary>
internal static class DeploymentsApi
{
    public static void MapDeploymentsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(Policies.Read);

        var releases = api.MapGroup("/releases");
        releases.MapGet("/", async (ReleaseService svc, string? search, Guid? serviceId, ReleaseStatus? status, int? skip, int? take, CancellationToken ct) =>
            Results.Ok(await svc.ListAsync(new ReleaseQuery { Search = search, ServiceId = serviceId, Status = status, Skip = skip ?? 0, Take = take ?? 50 }, ct)))
            .ValidatesPaging();
        releases.MapGet("/{id:guid}", async (Guid id, ReleaseService svc, CancellationToken ct) =>
            await svc.GetAsync(id, ct) is { } release ? Results.Ok(release) : NotFound("Release", id));
        releases.MapPost("/", async (ReleaseInput input, ReleaseService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.CreateAsync(input, CurrentUser.From(http), ct), created: r => $"/api/releases/{r.Id}")).RequireAuthorization(Policies.Engineer);

        api.MapGet("/services/{id:guid}/pipeline", async (Guid id, PipelineService svc, CancellationToken ct) =>
            await svc.GetAsync(id, ct) is { } pipeline ? Results.Ok(pipeline) : NotFound("Service", id));
        api.MapPut("/services/{id:guid}/pipeline", async (Guid id, PipelineInput input, PipelineService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.SaveAsync(id, input, CurrentUser.From(http), ct))).RequireAuthorization(Policies.Engineer);
        api.MapPost("/pipelines/validate", (PipelineInput input) =>
        {
            var result = PipelineService.Validate(input.Yaml);
            return Results.Ok(new { valid = result.IsValid, errors = result.Errors, stages = result.Stages });
        });

        var deployments = api.MapGroup("/deployments");
        deployments.MapGet("/", async (DeploymentQueries svc, string? search, Guid? serviceId, Guid? environmentId, Guid? releaseId,
                DeploymentStatus? status, int? skip, int? take, CancellationToken ct) =>
            Results.Ok(await svc.ListAsync(new DeploymentQuery
            {
                Search = search, ServiceId = serviceId, EnvironmentId = environmentId, ReleaseId = releaseId, Status = status, Skip = skip ?? 0,
                Take = take ?? 50,
            }, ct)))
            .ValidatesPaging();
        // CI tokens of the deployment's service may follow it (and only it): see ServiceTokens.
        deployments.MapGet("/{id:guid}", async (Guid id, DeploymentQueries svc, HttpContext http, CancellationToken ct) =>
                await svc.GetAsync(id, ct) is not { } deployment ? NotFound("Deployment", id)
                : !CurrentUser.From(http).InScope(deployment.Deployment.ServiceId) ? OutOfScope()
                : Results.Ok(deployment))
            .AllowServiceTokens();
        deployments.MapGet("/{id:guid}/logs", async (Guid id, DeploymentQueries deploymentQueries, LogStore logs, long? afterId, long? beforeId,
                DeploymentLogLevel? level, string? search, int? take, HttpContext http, CancellationToken ct) =>
                await deploymentQueries.ServiceOfAsync(id, ct) is not { } serviceId ? NotFound("Deployment", id)
                : !CurrentUser.From(http).InScope(serviceId) ? OutOfScope()
                : Results.Ok(await logs.ReadAsync(id, new LogQuery
                {
                    AfterId = afterId, BeforeId = beforeId, MinLevel = level, Search = search, Take = take ?? 500,
                }, ct)))
            .ValidatesPaging(maxTake: LogStore.MaxRead)
            .AllowServiceTokens();
        deployments.MapPost("/", async (StartDeploymentInput input, DeploymentService svc, HttpContext http, CancellationToken ct) =>
                ToHttp(await svc.StartAsync(input, CurrentUser.From(http), ct), created: d => $"/api/deployments/{d.DeploymentId}"))
            .RequireAuthorization(Policies.Engineer);
        deployments.MapPost("/{id:guid}/cancel", async (Guid id, CancelInput? input, DeploymentService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.CancelAsync(id, input ?? new CancelInput(), CurrentUser.From(http), ct))).RequireAuthorization(Policies.Engineer);
        deployments.MapPost("/{id:guid}/rollback", async (Guid id, RollbackInput input, DeploymentService svc, HttpContext http, CancellationToken ct) =>
                ToHttp(await svc.RollbackAsync(id, input, CurrentUser.From(http), ct), created: d => $"/api/deployments/{d.DeploymentId}"))
            .RequireAuthorization(Policies.Engineer);
        deployments.MapPost("/{id:guid}/approvals", async (Guid id, ApprovalInput input, ApprovalService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.DecideAsync(id, input, CurrentUser.From(http), ct))).RequireAuthorization(Policies.Approve);
        // Admins, engineers of the service's team, or a CI token scoped to the service. The service decides (not a role
        // policy), so that every refusal, a viewer's included, is audited.
        deployments.MapPost("/{id:guid}/stages/{name}/result", async (Guid id, string name, ExternalReportInput input, DeploymentService svc,
                HttpContext http, CancellationToken ct) => ToHttp(await svc.ReportExternalAsync(id, name, input, CurrentUser.From(http), ct)))
            .AllowServiceTokens();
        deployments.MapPost("/{id:guid}/metrics", async (Guid id, MetricInput input, DeploymentService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.RecordMetricAsync(id, input, CurrentUser.From(http), ct))).AllowServiceTokens();
        deployments.MapDelete("/{id:guid}", async (Guid id, DeploymentService svc, HttpContext http, CancellationToken ct) =>
            ToHttp(await svc.DeleteAsync(id, CurrentUser.From(http), ct))).RequireAuthorization(Policies.Admin);

        api.MapGet("/approvals", async (ApprovalService svc, HttpContext http, CancellationToken ct) =>
            Results.Ok(await svc.PendingAsync(CurrentUser.From(http), null, ct))).RequireAuthorization(Policies.Approve);
        api.MapGet("/board", async (DeploymentQueries svc, CancellationToken ct) =>
        {
            var board = await svc.BoardAsync(ct);
            return Results.Ok(new
            {
                environments = board.Environments.Select(e => new { e.Id, e.Name, e.IsProtected }),
                rows = board.Rows,
            });
        });
    }

    private static IResult OutOfScope() =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "This token is limited to another service.");
}
