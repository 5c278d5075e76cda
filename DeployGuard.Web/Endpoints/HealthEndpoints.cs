using DeployGuard.Data;
using DeployGuard.Data.Migrations;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Web.Endpoints;

internal static class HealthEndpoints
{
    /// <summary><c>/healthz</c>: the process is up. <c>/readyz</c>: the database answers and no migration is pending.</summary>
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).AllowAnonymous().ExcludeFromDescription();

        endpoints.MapGet("/readyz", async (IDbContextFactory<ApplicationDbContext> contexts, SchemaMigrator migrator, CancellationToken ct) =>
        {
            try
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                if (!await db.Database.CanConnectAsync(ct))
                {
                    return Results.Json(new { status = "unavailable", reason = "database unreachable" }, statusCode: 503);
                }

                var pending = await migrator.PendingAsync(ct);
                return pending.Count > 0
                    ? Results.Json(new { status = "unavailable", reason = "pending migrations", pending }, statusCode: 503)
                    : Results.Ok(new { status = "ready", migration = await migrator.CurrentAsync(ct) });
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return Results.Json(new { status = "unavailable", reason = ex.Message }, statusCode: 503);
            }
        }).AllowAnonymous().ExcludeFromDescription();
    }
}
