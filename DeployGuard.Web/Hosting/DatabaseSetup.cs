using DeployGuard.Data;
using DeployGuard.Data.Migrations;
using DeployGuard.Data.Postgres;
using DeployGuard.Data.Settings;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web;

internal static class DatabaseSetup
{
    /// <summary>
    /// Registers the data layer on the configured database or, when none is configured, on a private
    /// PostgreSQL cluster started here (the embedded default).
    /// </summary>
    public static async Task AddDatabaseAsync(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section);
        builder.Services.AddValidatedOptions<EmbeddedDatabaseOptions>(EmbeddedDatabaseOptions.Section);
        var connectionString = DatabaseConnection.FromConfiguration(builder.Configuration);
        if (connectionString is null)
        {
            // Needed before the container exists: checked now, the same way.
            var options = builder.Configuration.GetValidated<EmbeddedDatabaseOptions>(EmbeddedDatabaseOptions.Section);
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            var logger = loggerFactory.CreateLogger("DeployGuard.EmbeddedPostgres");
            logger.LogInformation("No DATABASE_URL or ConnectionStrings:DeployGuard set: using the embedded PostgreSQL cluster");
            var cluster = await PostgresCluster.StartAsync(options.ResolveDataDirectory(), options.BinDirectory, logger);
            await cluster.EnsureDatabaseAsync(options.DatabaseName);
            connectionString = cluster.ConnectionString(options.DatabaseName);
            builder.Services.AddSingleton(cluster);
            // Registered before every other hosted service, so it stops last.
            builder.Services.AddHostedService<EmbeddedClusterLifetime>();
        }

        builder.Services.AddDataServices(connectionString);
    }

    /// <summary>Applies pending migrations unless <c>Database:MigrateOnStartup</c> is false.</summary>
    public static async Task MigrateDatabaseOnStartupAsync(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            return;
        }

        var migrator = app.Services.GetRequiredService<SchemaMigrator>();
        var pending = await migrator.PendingAsync();
        if (pending.Count > 0)
        {
            app.Logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
            await migrator.UpgradeAsync();
        }

        await app.Services.GetRequiredService<Data.Services.Users.RoleSeeder>().EnsureRolesAsync();
    }
}

/// <summary>Stops the embedded cluster when the app shuts down.</summary>
internal sealed class EmbeddedClusterLifetime(PostgresCluster cluster) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => cluster.StopAsync();
}
