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
/// Like the app, tests work as a run-time role with DML only (<see cref="AppRole"/>) while migrations run as the
/// schema owner (<see cref="OwnerRole"/>), so a missing grant fails here before it fails in production. The connection
/// strings handed out are the run-time role's; <see cref="AsSuperuser"/> and <see cref="AsOwner"/> switch identity.
/// </summary>
public static class TestPostgres
{
    public const string TemplateName = "deployguard_template";

    public const string OwnerRole = "dg_test_owner";

    public const string AppRole = "dg_test_app";

    private static readonly string OwnerPassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    private static readonly string AppPassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>PBKDF2 rounds for test accounts (the default 100,000 makes each create/sign-in cost ~0.1 s of CPU).</summary>
    public const int PasswordIterations = 1_000;

    public static readonly byte[] TestSecretHashKey = System.Security.Cryptography.SHA256.HashData("deployguard-tests"u8);

    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static readonly Lazy<Task<PostgresCluster>> Cluster = new(StartAsync);
    private static string? _root;

    public static Task<PostgresCluster> GetClusterAsync() => Cluster.Value;

    /// <summary>The cluster's folder (password files, data, socket), once started.</summary>
    public static string? ClusterDirectory => _root;

    /// <summary>A fresh, migrated, empty database. Returns the run-time role's connection string.</summary>
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
            // Objects, grants and default privileges come with the copy; the database's own ACL does not.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" OWNER {OwnerRole} TEMPLATE {TemplateName}", connection);
            await create.ExecuteNonQueryAsync();
        }
        finally
        {
            CreateLock.Release();
        }

        await using var acl = new NpgsqlCommand($"REVOKE ALL ON DATABASE \"{name}\" FROM PUBLIC; GRANT CONNECT ON DATABASE \"{name}\" TO {AppRole}", connection);
        await acl.ExecuteNonQueryAsync();
        return cluster.RoleConnectionString(name, AppRole, AppPassword);
    }

    /// <summary>An empty database without any schema (for migration tests), owned by the owner role; the run-time role's connection string.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(string prefix = "empty")
    {
        var cluster = await GetClusterAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await cluster.EnsureDatabaseAsync(name);
        await DatabaseRoles.PrepareDatabaseAsync(cluster.ConnectionString(name), name, OwnerRole, AppRole);
        return cluster.RoleConnectionString(name, AppRole, AppPassword);
    }

    /// <summary>Run-time and owner connections of a test database (from either of its connection strings).</summary>
    public static DatabaseConnections Connections(string connectionString) =>
        IsTestRole(connectionString) ? new DatabaseConnections(As(connectionString, AppRole, AppPassword), AsOwner(connectionString))
            : new DatabaseConnections(connectionString);

    /// <summary>The schema owner's connection to the same database (DDL, as migrations run).</summary>
    public static string AsOwner(string connectionString) => IsTestRole(connectionString) ? As(connectionString, OwnerRole, OwnerPassword) : connectionString;

    /// <summary>The cluster superuser's connection to the same database (for arranging what no app role may do).</summary>
    public static string AsSuperuser(string connectionString) =>
        IsTestRole(connectionString) && Cluster.IsValueCreated
            ? As(connectionString, PostgresCluster.SuperUser, Cluster.Value.GetAwaiter().GetResult().Password)
            : connectionString;

    private static bool IsTestRole(string connectionString)
    {
        var user = new NpgsqlConnectionStringBuilder(connectionString).Username;
        return user is AppRole or OwnerRole;
    }

    private static string As(string connectionString, string role, string password) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = password }.ConnectionString;

    /// <summary>The data layer's services on the given database, as the app registers them.</summary>
    public static ServiceProvider BuildDataServices(string connectionString, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        // Identity's token providers need Data Protection; keys in memory are enough outside the web app.
        services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        services.AddDataServices(Connections(connectionString));
        // The installation's secret-hash key lives in a file in the app; one fixed test key here.
        services.AddSingleton(new DeployGuard.Data.Services.Scanning.SecretHashKey(TestSecretHashKey));
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
        SweepAbandonedClusters();
        _root = Path.Combine(Path.GetTempPath(), $"deployguard-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
        // Every test class has its own database and pools, and app instances keep LISTEN and worker
        // connections open: allow many more clients than the default 100. Durability is not needed.
        var cluster = await PostgresCluster.StartAsync(_root, serverSettings:
            ["max_connections=1000", "shared_buffers=256MB", "fsync=off", "synchronous_commit=off", "full_page_writes=off"]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(cluster);

        await using (var server = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await server.OpenAsync();
            await DatabaseRoles.EnsureLoginRoleAsync(server, OwnerRole, OwnerPassword);
            await DatabaseRoles.EnsureLoginRoleAsync(server, AppRole, AppPassword);
        }

        await cluster.EnsureDatabaseAsync(TemplateName);
        await DatabaseRoles.PrepareDatabaseAsync(cluster.ConnectionString(TemplateName), TemplateName, OwnerRole, AppRole);
        await using (var services = BuildDataServices(cluster.RoleConnectionString(TemplateName, AppRole, AppPassword)))
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

    /// <summary>
    /// Removes the clusters of earlier test runs whose test host is gone. The exit handler below is best effort: the
    /// server stops, but the test host is ended before the folder is deleted (seen after every `dotnet test`), and a
    /// killed host (a cancelled run, a CI time-out) leaves its postmaster too. A day of runs left 193 folders of ~2 GB.
    /// </summary>
    private static void SweepAbandonedClusters()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), "deployguard-tests-*"))
        {
            var parts = Path.GetFileName(folder).Split('-');
            if (parts.Length < 4 || !int.TryParse(parts[2], out var ownerPid) || IsAlive(ownerPid))
            {
                continue;
            }

            try
            {
                StopOrphanedPostmaster(folder);
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Another run may be sweeping the same folder; what is left goes next time.
            }
        }
    }

    private static void StopOrphanedPostmaster(string folder)
    {
        foreach (var pidFile in Directory.EnumerateFiles(folder, "postmaster.pid", SearchOption.AllDirectories))
        {
            var firstLine = File.ReadLines(pidFile).FirstOrDefault();
            if (int.TryParse(firstLine, out var postmasterPid) && IsAlive(postmasterPid)
                && File.Exists($"/proc/{postmasterPid}/cmdline")
                && File.ReadAllText($"/proc/{postmasterPid}/cmdline").Contains(folder, StringComparison.Ordinal))
            {
                using var postmaster = System.Diagnostics.Process.GetProcessById(postmasterPid);
                postmaster.Kill(entireProcessTree: true);
                postmaster.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
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
            // Best effort at process exit: the next run sweeps what is left (SweepAbandonedClusters).
        }
    }
}
