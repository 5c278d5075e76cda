using DeployGuard.Data;
using DeployGuard.Data.Migrations;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Web.Endpoints;

internal static class HealthEndpoints
{
    /// <summary><c>/healthz</c>: the process is up. <c>/readyz</c>: the database answers and no migration is pending.</summary>
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // HEAD too: uptime monitors and load balancers often probe with it (Kestrel sends the status and headers, no body).
        string[] probes = [HttpMethods.Get, HttpMethods.Head];
        endpoints.MapMethods("/healthz", probes, () => Results.Ok(new { status = "ok" })).AllowAnonymous().ExcludeFromDescription();

        endpoints.MapMethods("/readyz", probes, async (IDbContextFactory<ApplicationDbContext> contexts, SchemaMigrator migrator, DatabasePrivilegeCheck privileges,
            CancellationToken ct) =>
        {
            try
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                if (!await db.Database.CanConnectAsync(ct))
                {
                    return Results.Json(new { status = "unavailable", reason = "database unreachable" }, statusCode: 503);
                }

                var pending = await migrator.PendingAsync(ct);
                if (pending.Count > 0)
                {
                    return Results.Json(new { status = "unavailable", reason = "pending migrations", pending }, statusCode: 503);
                }

                // Ready either way, but say when the run-time role could rewrite the audit trail.
                var role = privileges.Result ?? await privileges.RunAsync(ct);
                return Results.Ok(new
                {
                    status = "ready",
                    migration = await migrator.CurrentAsync(ct),
                    database = role is null ? null : new
                    {
                        role = role.Role, superuser = role.Superuser, ownsAuditLog = role.OwnsAuditLog, canRewriteAuditLog = role.CanRewriteAuditLog,
                        leastPrivilege = role.LeastPrivilege, warning = role.Warning,
                    },
                });
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return Results.Json(new { status = "unavailable", reason = ex.Message }, statusCode: 503);
            }
        }).AllowAnonymous().ExcludeFromDescription();
    }
}
