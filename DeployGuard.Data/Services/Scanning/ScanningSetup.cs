using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Scanning;

public static class ScanningSetup
{
    /// <summary>Secret scans, findings and their triage, learned false-positive patterns, history cleaning (issue 4).</summary>
    public static IServiceCollection AddScanningServices(this IServiceCollection services)
    {
        services.AddValidatedOptions<ScanningOptions>(ScanningOptions.Section);
        services.AddSingleton<ScanJobService>();
        services.AddSingleton<FindingService>();
        services.AddSingleton<FalsePositiveLearning>();
        services.AddSingleton<CleanJobService>();
        services.AddSingleton<ScanJobQueue>();
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<ScanJobQueue>().Scans);
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<ScanJobQueue>().Cleanings);
        return services;
    }
}
