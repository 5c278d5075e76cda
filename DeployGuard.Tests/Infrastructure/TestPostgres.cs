using DeployGuard.Data;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using DeployGuard.Data.Migrations;
using DeployGuard.Data.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL cluster for the whole test run (started by the product's own provisioning code in
/// a temporary folder), and a migrated template database that every test database is copied from:
/// <c>CREATE DATABASE x TEMPLATE deployguard_template</c> takes tens of milliseconds.
/// </summary>
public static class TestPostgres
{
    public const string TemplateName = "deployguard_template";

    /// <summary>PBKDF2 rounds for test accounts (the default 100,000 makes each create/sign-in cost ~0.1 s of CPU).</summary>
    public const int PasswordIterations = 1_000;

    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static readonly Lazy<Task<PostgresCluster>> Cluster = new(StartAsync);
    private static string? _root;

    public static Task<PostgresCluster> GetClusterAsync() => Cluster.Value;

    /// <summary>A fresh, migrated, empty database. Returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        var cluster = await GetClusterAsync();
        var name = $"{prefix ?? "t"}_{Guid.NewGuid():N}"[..Math.Min(60, (prefix ?? "t").Length + 33)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        // Copying a template fails if anyone else is connected to it: serialise the copies.
        await CreateLock.WaitAsync();
        try
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE {TemplateName}", connection);
            await create.ExecuteNonQueryAsync();
        }
        finally
        {
            CreateLock.Release();
        }

        return cluster.ConnectionString(name);
    }

    /// <summary>An empty database without any schema (for migration tests).</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(string prefix = "empty")
    {
        var cluster = await GetClusterAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await cluster.EnsureDatabaseAsync(name);
        return cluster.ConnectionString(name);
    }

    /// <summary>The data layer's services on the given database, as the app registers them.</summary>
    public static ServiceProvider BuildDataServices(string connectionString, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        // Identity's token providers need Data Protection; keys in memory are enough outside the web app.
        services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        services.AddDataServices(connectionString);
        services.AddIdentityCore<ApplicationUser>()
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ApplicationDbContext>()
            .AddDefaultTokenProviders();
        services.Configure<PasswordHasherOptions>(o => o.IterationCount = PasswordIterations);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static async Task<PostgresCluster> StartAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), $"deployguard-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
        // Every test class has its own database and pools, and app instances keep LISTEN and worker
        // connections open: allow many more clients than the default 100. Durability is not needed.
        var cluster = await PostgresCluster.StartAsync(_root, serverSettings:
            ["max_connections=1000", "shared_buffers=256MB", "fsync=off", "synchronous_commit=off", "full_page_writes=off"]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(cluster);

        await cluster.EnsureDatabaseAsync(TemplateName);
        await using (var services = BuildDataServices(cluster.ConnectionString(TemplateName)))
        {
            await services.GetRequiredService<SchemaMigrator>().UpgradeAsync();
            await services.GetRequiredService<RoleSeeder>().EnsureRolesAsync();
        }

        // The pool keeps connections to the template open; CREATE DATABASE ... TEMPLATE needs it idle.
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var mark = new NpgsqlCommand($"ALTER DATABASE {TemplateName} WITH IS_TEMPLATE true", connection);
        await mark.ExecuteNonQueryAsync();
        return cluster;
    }

    private static void Stop(PostgresCluster cluster)
    {
        try
        {
            cluster.StopAsync(immediate: true).GetAwaiter().GetResult();
            if (_root is not null && Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Best effort at process exit: a leftover temp folder is harmless.
        }
    }
}
