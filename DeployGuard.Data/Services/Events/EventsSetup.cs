using DeployGuard.Data.Services.Deployments;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Events;

public static class EventsSetup
{
    /// <summary>
    /// The event bus over PostgreSQL LISTEN/NOTIFY and the raw Npgsql data source it (and the log store, the job queue's
    /// claim) use. The web app's listener feeds other instances' events into it.
    /// </summary>
    public static IServiceCollection AddEventBus(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(new DeploymentsDataSource(connectionString));
        services.AddSingleton<EventBus>();
        return services;
    }
}
