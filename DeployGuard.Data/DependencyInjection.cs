using DeployGuard.Data.Interceptors;
using DeployGuard.Data.Migrations;
using DeployGuard.Data.Postgres;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Data.Services.Analyses;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DeployGuard.Data;

public static class DependencyInjection
{
    /// <summary>The EF Core model on PostgreSQL, a context factory, migrations and the domain services.</summary>
    public static IServiceCollection AddDataServices(this IServiceCollection services, string connectionString) =>
        services.AddDataServices(new DatabaseConnections(connectionString));

    /// <summary>
    /// As above with the run-time role and the schema owner apart: services use <see cref="DatabaseConnections.Runtime"/>,
    /// only <see cref="SchemaMigrator"/>'s migrations use <see cref="DatabaseConnections.Migrations"/>.
    /// </summary>
    public static IServiceCollection AddDataServices(this IServiceCollection services, DatabaseConnections connections)
    {
        var connectionString = connections.Runtime;
        services.AddSingleton(connections);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TimestampInterceptor>();

        // Components and services open short-lived contexts from the factory; Identity's stores use the
        // scoped context that the same registration provides.
        services.AddPooledDbContextFactory<ApplicationDbContext>((sp, options) => Configure(options, connectionString, sp));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContext());

        services.AddSingleton<SchemaMigrator>();

        // One event bus and one job queue for every feature (issue 10); the features below add topics' enrichers and job kinds.
        services.AddEventBus(connectionString);
        services.AddJobQueue();
        services.AddAuditServices();
        services.AddAccountServices();
        services.AddCatalogServices();
        services.AddDeploymentServices();
        services.AddScanningServices();
        services.AddVulnerabilityServices();
        services.AddAnalysisServices();
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString, IServiceProvider? services = null)
    {
        options.UseNpgsql(connectionString, npgsql => npgsql
            .MigrationsHistoryTable("__ef_migrations_history")
            // Npgsql's default strategy wraps transient errors (a timed-out connect, a dropped connection) in an
            // InvalidOperationException suggesting retries. Services use explicit transactions, which a retrying strategy
            // refuses, and pages catch NpgsqlException/TimeoutException to show "could not be loaded": so let the real
            // exception through. Without this, a slow connect under load escaped those handlers and took the page down.
            .ExecutionStrategy(dependencies => new Microsoft.EntityFrameworkCore.Storage.NonRetryingExecutionStrategy(dependencies)));
        if (services is not null)
        {
            options.AddInterceptors(services.GetRequiredService<TimestampInterceptor>());
        }
    }
}
