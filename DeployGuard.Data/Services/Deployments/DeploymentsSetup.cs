using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Releases;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Deployments;

public static class DeploymentsSetup
{
    /// <summary>
    /// Releases, pipelines, deployments, approvals and protected environments (issue 3): their job kinds (starting queued
    /// deployments, running stages, ending waits and timeouts) and their façade on the event bus.
    /// </summary>
    public static IServiceCollection AddDeploymentServices(this IServiceCollection services)
    {
        services.AddSingleton<LogStore>();
        services.AddSingleton<IRemoteEventEnricher, LogLinesEnricher>();
        services.AddSingleton<DeploymentEventBus>();
        services.AddSingleton<DeploymentEngine>();
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<DeploymentEngine>().Starts);
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<DeploymentEngine>().Stages);
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<DeploymentEngine>().Timers);
        services.AddSingleton<DeploymentService>();
        services.AddSingleton<DeploymentQueries>();
        services.AddSingleton<ApprovalService>();
        services.AddSingleton<EnvironmentProtectionService>();
        services.AddSingleton<ReleaseService>();
        services.AddSingleton<PipelineService>();
        return services;
    }
}
