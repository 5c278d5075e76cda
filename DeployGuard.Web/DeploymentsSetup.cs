using DeployGuard.Web.Endpoints;
using DeployGuard.Web.Hubs;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Web.Workers;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web;

/// <summary>The deployment feature's web side: its job workers (the runner), SignalR hub and HTTP API.</summary>
internal static class DeploymentsSetup
{
    public static void AddDeployments(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RunnerOptions>().Bind(builder.Configuration.GetSection(RunnerOptions.Section))
            .Validate(o => o.LogBatchSize is > 0 and <= 100_000, "Deployments:Runner:LogBatchSize must be 1 to 100000.")
            .Validate(o => o.LogFlushMilliseconds is > 0 and <= 10_000, "Deployments:Runner:LogFlushMilliseconds must be 1 to 10000.")
            .ValidateOnStart();
        services.AddHttpClient(HealthCheckStage.HttpClientName);
        services.AddSingleton<CommandStage>();
        services.AddSingleton<HealthCheckStage>();
        services.AddSingleton<SecurityGateStage>();

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
