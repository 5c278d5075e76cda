using DeployGuard.Data.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace DeployGuard.Data.Migrations;

/// <summary>
/// The Alembic-style commands of seed 01 over EF Core's migrator: upgrade, downgrade, current, history, script.
/// Targets are a full migration id, its name (<c>Initial</c>), a unique id prefix, <c>head</c>, <c>base</c> or <c>-N</c>.
/// Reading the history uses the run-time connection; changing the schema uses the owner's
/// (<see cref="DatabaseConnections.Migrations"/>), which afterwards grants the run-time role its rows
/// (<see cref="DatabaseRoles.GrantRuntimeAsync"/>).
/// </summary>
public sealed class SchemaMigrator(IDbContextFactory<ApplicationDbContext> contextFactory, DatabaseConnections connections)
{
    public const string Head = "head";
    public const string Base = "base";

    public async Task<IReadOnlyList<string>> AllAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return db.Database.GetMigrations().ToList();
    }

    public async Task<IReadOnlyList<string>> AppliedAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        // The run-time role may not create tables: look before asking EF, which would try to.
        var exists = await db.Database.SqlQueryRaw<bool>("SELECT to_regclass('__ef_migrations_history') IS NOT NULL AS \"Value\"").SingleAsync(ct);
        return exists ? (await db.Database.GetAppliedMigrationsAsync(ct)).ToList() : [];
    }

    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken ct = default)
    {
        var applied = (await AppliedAsync(ct)).ToHashSet();
        return (await AllAsync(ct)).Where(m => !applied.Contains(m)).ToList();
    }

    public async Task<string?> CurrentAsync(CancellationToken ct = default) => (await AppliedAsync(ct)).LastOrDefault();

    /// <summary>Applies migrations up to <paramref name="target"/> (default head). Returns the new current id.</summary>
    public async Task<string?> UpgradeAsync(string? target = null, CancellationToken ct = default)
    {
        var all = await AllAsync(ct);
        var applied = await AppliedAsync(ct);
        var id = target is null or Head ? all.LastOrDefault() : Resolve(target, all, applied);
        if (id is not null && applied.Contains(id) && applied[^1] != id)
        {
            throw new MigrationTargetException($"'{target}' is behind the current revision {applied[^1]}: use `db downgrade`.");
        }

        await MigrateToAsync(id ?? Migration.InitialDatabase, ct);
        await GrantRuntimeAsync(ct);
        return await CurrentAsync(ct);
    }

    /// <summary>
    /// Gives the run-time role DML on every table (INSERT and SELECT on the append-only ones); a no-op when run-time and
    /// migrations share one role. Idempotent: the start-up migration runs it every time.
    /// </summary>
    public async Task GrantRuntimeAsync(CancellationToken ct = default)
    {
        if (!connections.Separated)
        {
            return;
        }

        await using var owner = new NpgsqlConnection(connections.Migrations);
        await owner.OpenAsync(ct);
        await DatabaseRoles.GrantRuntimeAsync(owner, connections.RuntimeRole, ct);
    }

    /// <summary>Reverts migrations down to <paramref name="target"/> (an id, <c>-1</c>, or <c>base</c>).</summary>
    public async Task<string?> DowngradeAsync(string target, CancellationToken ct = default)
    {
        var all = await AllAsync(ct);
        var applied = await AppliedAsync(ct);
        string id;
        if (target == Base)
        {
            id = Migration.InitialDatabase;
        }
        else if (target.StartsWith('-') && int.TryParse(target[1..], out var steps) && steps > 0)
        {
            var index = applied.Count - 1 - steps;
            id = index >= 0 ? applied[index] : Migration.InitialDatabase;
        }
        else
        {
            id = Resolve(target, all, applied);
            if (!applied.Contains(id))
            {
                throw new MigrationTargetException($"'{target}' is not applied: use `db upgrade {target}`.");
            }
        }

        await MigrateToAsync(id, ct);
        return await CurrentAsync(ct);
    }

    /// <summary>SQL for the given range (default: everything), as an idempotent script for review or DBAs.</summary>
    public async Task<string> ScriptAsync(string? from = null, string? to = null, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var all = db.Database.GetMigrations().ToList();
        var fromId = from is null or Base ? Migration.InitialDatabase : Resolve(from, all, all);
        var toId = to is null or Head ? null : Resolve(to, all, all);
        var migrator = db.GetService<IMigrator>();
        return migrator.GenerateScript(fromId, toId, MigrationsSqlGenerationOptions.Idempotent);
    }

    // EF reads the history table before creating it and logs the failure as an error on every fresh
    // database; creating it first (IF NOT EXISTS) keeps start-up logs clean.
    private static async Task EnsureHistoryTableAsync(ApplicationDbContext db, CancellationToken ct) =>
        await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), ct);

    private async Task MigrateToAsync(string id, CancellationToken ct)
    {
        var options = new DbContextOptionsBuilder<ApplicationDbContext>();
        DependencyInjection.Configure(options, connections.Migrations);
        await using var db = new ApplicationDbContext(options.Options);
        await EnsureHistoryTableAsync(db, ct);
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
        await db.GetService<IMigrator>().MigrateAsync(id, ct);
    }

    private static string Resolve(string target, IReadOnlyList<string> all, IReadOnlyList<string> applied)
    {
        var exact = all.FirstOrDefault(m => m == target)
            ?? all.FirstOrDefault(m => m.EndsWith("_" + target, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }

        var prefixed = all.Where(m => m.StartsWith(target, StringComparison.Ordinal)).ToList();
        return prefixed.Count switch
        {
            1 => prefixed[0],
            0 => throw new MigrationTargetException($"No migration matches '{target}'. Known: {string.Join(", ", all)}"),
            _ => throw new MigrationTargetException($"'{target}' is ambiguous: {string.Join(", ", prefixed)}"),
        };
    }
}

public sealed class MigrationTargetException(string message) : Exception(message);
