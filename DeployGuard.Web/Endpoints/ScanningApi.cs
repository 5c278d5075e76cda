using DeployGuard.Data.Services.Scanning;
using DeployGuard.Web.Auth;

namespace DeployGuard.Web.Endpoints;

/// <summary>Secret scanning over HTTP: cleaned-repository bundles (and, with the CLI, uploads and feedback).</summary>
internal static class ScanningApi
{
    public static void MapScanningApi(this IEndpointRouteBuilder endpoints)
    {
        var scans = endpoints.MapGroup("/api/scans").RequireAuthorization(Policies.Read);

        scans.MapGet("/{id:guid}", async (Guid id, ScanJobService jobs, CancellationToken ct) =>
            await jobs.GetAsync(id, ct) is { } job ? Results.Ok(job) : CatalogApi.NotFound("Scan", id));

        // Bundles hold the cleaned history (no secrets); still, only engineers and admins fetch repositories.
        scans.MapGet("/{id:guid}/cleanings/{cleanId:guid}/bundle", async (Guid id, Guid cleanId, CleanJobService cleaning, CancellationToken ct) =>
            await cleaning.BundlePathAsync(id, cleanId, ct) is { } path && File.Exists(path)
                ? Results.File(path, "application/octet-stream", $"deployguard-clean-{cleanId:N}.bundle", enableRangeProcessing: true)
                : CatalogApi.NotFound("Cleaned bundle", cleanId))
            .RequireAuthorization(Policies.Engineer);
    }
}
