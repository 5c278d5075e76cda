using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Releases;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Deployments;

public static class DeploymentsSetup
{
    /// <summary>Releases, pipelines, deployments, approvals, protected environments and the event bus (issue 3).</summary>
    public static IServiceCollection AddDeploymentServices(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(new DeploymentsDataSource(connectionString));
        services.AddSingleton<LogStore>();
        services.AddSingleton<DeploymentEventBus>();
        services.AddSingleton<DeploymentEngine>();
        services.AddSingleton<DeploymentService>();
        services.AddSingleton<DeploymentQueries>();
        services.AddSingleton<ApprovalService>();
        services.AddSingleton<EnvironmentProtectionService>();
        services.AddSingleton<ReleaseService>();
        services.AddSingleton<PipelineService>();
        return services;
    }
}
