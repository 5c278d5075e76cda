using DeployGuard.Data.Services.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Vulnerabilities;

public static class VulnerabilitiesSetup
{
    /// <summary>Scans, report import, findings, risk acceptance, EPSS, search, policies and the security gate (issue 11).</summary>
    public static IServiceCollection AddVulnerabilityServices(this IServiceCollection services)
    {
        services.AddSingleton<ReportImportService>();
        services.AddSingleton<ScanService>();
        services.AddSingleton<RiskService>();
        services.AddSingleton<RiskExpiryJobs>();
        services.AddSingleton<ScannerRunJobs>();
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<ScannerRunJobs>());
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<RiskExpiryJobs>());
        services.AddSingleton<VulnerabilitySummaryJobs>();
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<VulnerabilitySummaryJobs>());
        services.AddSingleton<SecurityPolicyService>();
        services.AddSingleton<SecurityGateService>();
        services.AddSingleton<EpssImportService>();
        services.AddSingleton<VulnerabilitySearch>();
        services.AddSingleton<VulnerabilityDashboard>();
        return services;
    }
}
