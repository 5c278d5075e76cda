using System.Threading.RateLimiting;
using DeployGuard.Web.Endpoints;
using DeployGuard.Web.Scanning;
using DeployGuard.Web.Workers;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web;

/// <summary>Secret scanning's web side: the scan and clean workers (job kinds Scan, Clean) and their runner, and the scanning API (uploads, feedback, bundles).</summary>
internal static class ScanningSetup
{
    public static void AddScanning(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Stored secret hashes are keyed with an installation key kept outside the database.
        builder.AddSecretHashing();
        services.AddSingleton<ScanJobRunner>();
        services.AddJobWorker<ScanWorker>();
        services.AddJobWorker<CleanWorker>();
        // Configured scanner commands (Scanning:Scanners), run isolated like stage commands.
        services.AddSingleton<Scanning.ScannerCommandRunner>();
        services.AddJobWorker<Scanning.ScannerRunWorker>();

        // Anonymous CLI feedback: a fixed window per client address keeps one client from flooding the learner.
        services.AddRateLimiter(o => o.AddPolicy(ScanningApi.FeedbackRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
            context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) })));
    }

    public static void MapScanning(this WebApplication app) => app.MapScanningApi();
}
