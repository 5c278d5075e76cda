using DeployGuard.Web.Endpoints;
using DeployGuard.Web.Hubs;
using DeployGuard.Web.Isolation;
using DeployGuard.Web.Workers;

namespace DeployGuard.Web;

/// <summary>The deployment feature's web side: runner, event listener, SignalR hub and HTTP API.</summary>
internal static class DeploymentsSetup
{
    public static void AddDeployments(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RunnerOptions>().Bind(builder.Configuration.GetSection(RunnerOptions.Section))
            .Validate(o => o.MaxConcurrency is > 0 and <= 64, "Deployments:Runner:MaxConcurrency must be 1 to 64.")
            .Validate(o => o.StaleAfterSeconds > o.HeartbeatSeconds, "Deployments:Runner:StaleAfterSeconds must exceed HeartbeatSeconds.")
            .ValidateOnStart();
        services.AddHttpClient(HealthCheckStage.HttpClientName);
        services.AddCommandIsolation();
        services.AddSingleton<CommandStage>();
        services.AddSingleton<HealthCheckStage>();
        services.AddSingleton<SecurityGateStage>();

        // The listener first, so events from other instances flow before this runner takes work.
        services.AddSingleton<DeploymentEventListener>();
        services.AddHostedService(sp => sp.GetRequiredService<DeploymentEventListener>());
        services.AddSingleton<DeploymentRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<DeploymentRunner>());

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
