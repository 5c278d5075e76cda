using DeployGuard.Data.Postgres;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DeployGuard.Web.Isolation;

/// <summary>Command isolation for everything that runs third-party commands, and what of the app it must never show them.</summary>
internal static class IsolationSetup
{
    public static IServiceCollection AddCommandIsolation(this IServiceCollection services)
    {
        services.TryAddSingleton<AppDirectories>();
        services.AddSingleton<CommandIsolation>();
        services.AddProtectedPath(sp => sp.GetRequiredService<AppDirectories>().DataRoot, "the app's data folder");
        services.AddProtectedPath(sp => sp.GetRequiredService<AppDirectories>().KeysDirectory, "the app's keys");
        services.AddProtectedPath(sp => sp.GetService<PostgresCluster>()?.DataDirectory, "the embedded database's folder (password files, socket)");
        services.AddProtectedPaths(sp => ConfigurationFiles(sp.GetRequiredService<IHostEnvironment>().ContentRootPath), "the app's configuration",
            secret: false);
        services.AddHostedService<IsolationProbe>();
        return services;
    }

    private static IEnumerable<string> ConfigurationFiles(string contentRoot) =>
        Directory.Exists(contentRoot) ? Directory.EnumerateFiles(contentRoot, "appsettings*.json") : [];
}

/// <summary>Probes (and self-tests) the isolation once the app has started, so the log says at start-up whether stages will run.</summary>
internal sealed class IsolationProbe(CommandIsolation isolation, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = isolation.PlanAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
