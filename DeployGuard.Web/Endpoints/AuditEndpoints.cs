using DeployGuard.Data.Services.Audit;
using DeployGuard.Web.Audit;
using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Mvc;

namespace DeployGuard.Web.Endpoints;

internal static class AuditEndpoints
{
    public static void MapAuditEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/audit").RequireAuthorization(Policies.Admin);

        // Streams rows straight from the database cursor to the response: memory stays flat at any size.
        group.MapGet("/export.csv", async (HttpContext context, AuditService audit, [AsParameters] AuditFilterParameters parameters,
            CancellationToken ct) =>
        {
            context.Response.ContentType = "text/csv; charset=utf-8";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
            await AuditCsv.WriteAsync(context.Response.Body, audit.StreamAsync(parameters.ToFilter(), ct), ct);
        });

        group.MapGet("/verify", async (AuditTrailVerifier verifier, CancellationToken ct) => Results.Ok(await verifier.VerifyAsync(ct: ct)));

        // What a third party verifies checkpoint signatures with (docs/security.md); the private key never leaves its file.
        group.MapGet("/public-key", (AuditSigningKey key) => Results.Text(key.PublicKeyPem, "application/x-pem-file"));

        group.MapGet("/{id:long}", async (long id, AuditService audit, CancellationToken ct) =>
            await audit.GetAsync(id, ct) is { } row ? Results.Ok(row) : ResultHttp.NotFound("Audit row", id));
    }

    internal sealed class AuditFilterParameters
    {
        [FromQuery] public string? Actor { get; set; }
        [FromQuery] public string? Action { get; set; }
        [FromQuery] public string? ResourceType { get; set; }
        [FromQuery] public string? ResourceId { get; set; }
        [FromQuery] public DateTimeOffset? From { get; set; }
        [FromQuery] public DateTimeOffset? To { get; set; }

        public AuditFilter ToFilter() => new()
        {
            Actor = Actor, Action = Action, ResourceType = ResourceType, ResourceId = ResourceId, From = From, To = To,
        };
    }
}
