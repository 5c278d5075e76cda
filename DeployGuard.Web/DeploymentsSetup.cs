using DeployGuard.Data.Settings;
using DeployGuard.Web.Endpoints;
using DeployGuard.Web.Hubs;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Web.Isolation;
using DeployGuard.Web.Workers;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web;

/// <summary>The deployment feature's web side: its job workers (the runner), SignalR hub and HTTP API.</summary>
internal static class DeploymentsSetup
{
    public static void AddDeployments(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<RunnerOptions>(RunnerOptions.Section);
        services.AddHttpClient(HealthCheckStage.HttpClientName);
        services.AddCommandIsolation();
        services.AddSingleton<CommandStage>();
        services.AddSingleton<HealthCheckStage>();
        services.AddSingleton<SecurityGateStage>();
        services.AddSingleton<SecurityScanStage>();

        // Deployment work on the job queue: starting queued deployments, running stages, ending waits and timeouts.
        services.AddClaimStepWorker(DeploymentEngine.StartJobKind, sp => sp.GetRequiredService<DeploymentEngine>().Starts);
        services.AddJobWorker<DeploymentRunner>();
        services.AddClaimStepWorker(DeploymentEngine.TimerJobKind, sp => sp.GetRequiredService<DeploymentEngine>().Timers);

        services.AddHostedService<ApprovalMailer>();

        services.AddSignalR();
        services.AddHostedService<DeploymentHubForwarder>();
    }

    public static void MapDeployments(this WebApplication app)
    {
        app.MapHub<DeploymentsHub>(DeploymentsHub.Path);
        app.MapDeploymentsApi();
    }
}
