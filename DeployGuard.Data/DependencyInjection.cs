using DeployGuard.Data.Interceptors;
using DeployGuard.Data.Migrations;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Email;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Releases;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Tokens;
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
    public static IServiceCollection AddDataServices(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TimestampInterceptor>();

        // Components and services open short-lived contexts from the factory; Identity's stores use the
        // scoped context that the same registration provides.
        services.AddPooledDbContextFactory<ApplicationDbContext>((sp, options) => Configure(options, connectionString, sp));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContext());

        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<AuditChainVerifier>();
        services.AddSingleton<RoleSeeder>();
        services.AddSingleton<UserAdminService>();
        services.AddSingleton<PreferencesService>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<OutboxService>();
        services.AddSingleton<TeamService>();
        services.AddSingleton<ServiceCatalogService>();
        services.AddSingleton<EnvironmentService>();
        services.AddSingleton<DashboardQueries>();
        services.AddSingleton<DeliveryActivityQueries>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<ScanJobService>();
        services.AddSingleton<FindingService>();
        services.AddSingleton<FalsePositiveLearning>();
        services.AddSingleton<CleanJobService>();
        services.AddSingleton<ScanJobQueue>();
        services.AddDeploymentServices(connectionString);
        services.AddVulnerabilityServices();
        return services;
    }

    /// <summary>Scans, report import, findings, EPSS, policies and agents (issue 11).</summary>
    private static void AddVulnerabilityServices(this IServiceCollection services)
    {
        services.AddSingleton<ReportImportService>();
        services.AddSingleton<ScanService>();
        services.AddSingleton<RiskService>();
        services.AddSingleton<SecurityPolicyService>();
        services.AddSingleton<SecurityGateService>();
        services.AddSingleton<EpssImportService>();
        services.AddSingleton<VulnerabilitySearch>();
        services.AddSingleton<VulnerabilityDashboard>();
        services.AddAnalyses();
    }

    /// <summary>Releases, pipelines, deployments, approvals and the event bus (issue 3).</summary>
    private static void AddDeploymentServices(this IServiceCollection services, string connectionString)
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
