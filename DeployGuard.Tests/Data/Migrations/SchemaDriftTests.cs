using DeployGuard.Data;
using DeployGuard.Data.Migrations;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DeployGuard.Tests.Data.Migrations;

/// <summary>
/// The first four migrations were hand-written SQL and later ones may add SQL the model cannot express (triggers,
/// grants), so this proves the migrations build exactly the schema the EF model describes: tables, columns, types,
/// nullability, defaults, indexes, foreign keys and checks. The snapshot check below catches a model change that no
/// migration captures (as `dotnet ef migrations has-pending-model-changes` does in scripts/test.sh).
/// </summary>
public sealed class SchemaDriftTests
{
    [Fact]
    public async Task Migrations_OnEmptyDatabase_BuildTheSchemaOfTheModel()
    {
        var migrated = await TestPostgres.CreateEmptyDatabaseAsync("drift_migrated");
        await using (var services = TestPostgres.BuildDataServices(migrated))
        {
            await services.GetRequiredService<SchemaMigrator>().UpgradeAsync();
        }

        var modelled = await TestPostgres.CreateEmptyDatabaseAsync("drift_model");
        // The model's own CREATE script needs the owner's rights, as migrations do.
        var options = new DbContextOptionsBuilder<ApplicationDbContext>();
        DependencyInjection.Configure(options, TestPostgres.AsOwner(modelled));
        await using (var db = new ApplicationDbContext(options.Options))
        {
            await db.Database.ExecuteSqlRawAsync(db.Database.GenerateCreateScript());
        }

        var expected = await SchemaSnapshot.ReadAsync(modelled);
        var actual = await SchemaSnapshot.ReadAsync(migrated);

        Assert.Equal(expected.Tables, actual.Tables);
        Assert.Equal(expected.Columns, actual.Columns);
        Assert.Equal(expected.Indexes, actual.Indexes);
        Assert.Equal(expected.Constraints, actual.Constraints);
    }

    [Fact]
    public async Task Model_ComparedWithMigrationsSnapshot_HasNoPendingChanges()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("drift_snapshot");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        await using var db = await services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();

        Assert.False(db.Database.HasPendingModelChanges(),
            "The model changed without a migration: run dotnet ef migrations add <Name> --project DeployGuard.Data --startup-project DeployGuard.Data");
    }
}

/// <summary>A comparable description of a database schema, read from the catalogs.</summary>
internal sealed record SchemaSnapshot(List<string> Tables, List<string> Columns, List<string> Indexes, List<string> Constraints)
{
    private const string HistoryTable = "__ef_migrations_history";

    public static async Task<SchemaSnapshot> ReadAsync(string connectionString)
    {
        // As the superuser: information_schema shows a role only the tables it has rights on.
        await using var connection = new NpgsqlConnection(TestPostgres.AsSuperuser(connectionString));
        await connection.OpenAsync();
        return new SchemaSnapshot(
            await ListAsync(connection, $"""
                SELECT table_name FROM information_schema.tables
                WHERE table_schema = 'public' AND table_name <> '{HistoryTable}' ORDER BY 1
                """),
            await ListAsync(connection, $"""
                SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '')
                       || ' null=' || is_nullable || ' default=' || coalesce(column_default, '-') || ' identity=' || is_identity
                FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name <> '{HistoryTable}' ORDER BY 1
                """),
            await ListAsync(connection, $"""
                SELECT indexname || ': ' || indexdef FROM pg_indexes
                WHERE schemaname = 'public' AND tablename <> '{HistoryTable}' ORDER BY 1
                """),
            await ListAsync(connection, $"""
                SELECT c.conrelid::regclass::text || ' ' || c.conname || ': ' || pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> '{HistoryTable}' ORDER BY 1
                """));
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
