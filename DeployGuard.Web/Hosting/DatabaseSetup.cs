using DeployGuard.Data;
using DeployGuard.Data.Migrations;
using DeployGuard.Data.Postgres;
using DeployGuard.Data.Settings;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web;

internal static class DatabaseSetup
{
    /// <summary>
    /// Registers the data layer on the configured database or, when none is configured, on a private PostgreSQL cluster
    /// started here (the embedded default, with its own owner and run-time roles). Returns false after printing one line
    /// when the embedded cluster cannot start for a reason the user can fix (SettingsCheck.GuardAsync: one line, exit 1).
    /// </summary>
    public static async Task AddDatabaseAsync(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section);
        builder.Services.AddValidatedOptions<EmbeddedDatabaseOptions>(EmbeddedDatabaseOptions.Section);
        var runtime = DatabaseConnection.FromConfiguration(builder.Configuration);
        DatabaseConnections connections;
        if (runtime is null)
        {
            // Needed before the container exists: checked now, the same way.
            var options = builder.Configuration.GetValidated<EmbeddedDatabaseOptions>(EmbeddedDatabaseOptions.Section);
            using var loggerFactory = LoggerFactory.Create(b => b.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true));
            var logger = loggerFactory.CreateLogger("DeployGuard.EmbeddedPostgres");
            logger.LogInformation("No DATABASE_URL or ConnectionStrings:DeployGuard set: using the embedded PostgreSQL cluster");
            PostgresCluster? cluster = null;
            try
            {
                cluster = await PostgresCluster.StartAsync(options.ResolveDataDirectory(), options.BinDirectory, logger, port: options.Port);
                await cluster.EnsureDatabaseAsync(options.DatabaseName);
                connections = await cluster.EnsureRolesAsync(options.DatabaseName);
            }
            catch (EmbeddedDatabaseException)
            {
                if (cluster is not null)
                {
                    await cluster.StopAsync();
                }

                throw;
            }

            builder.Services.AddSingleton(cluster);
            // Registered before every other hosted service, so it stops last.
            builder.Services.AddHostedService<EmbeddedClusterLifetime>();
        }
        else
        {
            connections = new DatabaseConnections(runtime, DatabaseConnection.MigrationsFromConfiguration(builder.Configuration) ?? runtime);
        }

        builder.Services.AddDataServices(connections);
        builder.Services.AddSingleton<DatabasePrivilegeCheck>();
    }

    /// <summary>
    /// Applies pending migrations (as the schema owner) unless <c>Database:MigrateOnStartup</c> is false, grants the
    /// run-time role its rows, and warns when the run-time role could rewrite the audit trail.
    /// </summary>
    public static async Task MigrateDatabaseOnStartupAsync(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            var migrator = app.Services.GetRequiredService<SchemaMigrator>();
            // First, so the run-time role may read the migration history below: an installation from before the
            // owner/run-time split has a history table the run-time role was never granted (permission denied).
            await migrator.GrantRuntimeAsync();
            var pending = await migrator.PendingAsync();
            if (pending.Count > 0)
            {
                app.Logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
                await migrator.UpgradeAsync();
            }

            await app.Services.GetRequiredService<Data.Services.Users.RoleSeeder>().EnsureRolesAsync();
        }

        await app.Services.GetRequiredService<DatabasePrivilegeCheck>().RunAsync();
        if (app.Services.GetService<Scanning.SecretHashRekeying>() is { } rekeying)
        {
            try
            {
                await rekeying.RunAsync();
            }
            catch (Npgsql.NpgsqlException ex)
            {
                // A read-only role (a third party running `audit verify`) cannot re-key; the next start of the app will.
                app.Logger.LogWarning(ex, "Re-keying stored secret hashes failed");
            }
        }
    }
}

/// <summary>Stops the embedded cluster when the app shuts down.</summary>
internal sealed class EmbeddedClusterLifetime(PostgresCluster cluster) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => cluster.StopAsync();
}

/// <summary>
/// What the run-time role may do to the audit trail, checked once at start-up: a superuser or the owner of
/// <c>audit_logs</c> is logged as a warning, reported in <c>/readyz</c> and shown to admins as a banner.
/// </summary>
internal sealed class DatabasePrivilegeCheck(DatabaseConnections connections, ILogger<DatabasePrivilegeCheck> logger)
{
    public RuntimePrivileges? Result { get; private set; }

    public async Task<RuntimePrivileges?> RunAsync(CancellationToken ct = default)
    {
        try
        {
            Result = await DatabasePrivileges.CheckAsync(connections.Runtime, ct);
            if (Result.Warning is { } warning)
            {
                logger.LogWarning("{Warning}", warning);
            }
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            logger.LogWarning(ex, "Could not check the privileges of the app's database role");
        }

        return Result;
    }
}
