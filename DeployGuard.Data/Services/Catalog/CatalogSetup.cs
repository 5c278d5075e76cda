using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Catalog;

public static class CatalogSetup
{
    /// <summary>Teams, services, environments and the dashboard's figures.</summary>
    public static IServiceCollection AddCatalogServices(this IServiceCollection services)
    {
        services.AddSingleton<TeamService>();
        services.AddSingleton<ServiceCatalogService>();
        services.AddSingleton<EnvironmentService>();
        services.AddSingleton<DashboardQueries>();
        services.AddSingleton<DeliveryActivityQueries>();
        return services;
    }
}
