using DeployGuard.Data.Migrations;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Migrations;

/// <summary>The Alembic-style commands (seed 01) over the hand-written migrations, each test on its own database.</summary>
public sealed class MigrationTests
{
    private const string InitialId = "20261121000000_Initial";

    [Fact]
    public async Task DowngradeBaseThenUpgrade_DatabaseHoldingData_RoundTripsToAWorkingSchema()
    {
        // Arrange: a migrated database with teams, services, users and audit rows.
        var connectionString = await TestPostgres.CreateDatabaseAsync("mig_roundtrip");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();
        await SeedAsync(services);
        Assert.True(await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM audit_logs") >= 3);

        // Act
        var afterDowngrade = await migrator.DowngradeAsync(SchemaMigrator.Base);
        var tablesAfterDowngrade = await Sql.ListAsync<string>(connectionString,
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__ef_migrations_history'");
        var functionsAfterDowngrade = await Sql.ListAsync<string>(connectionString,
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'");
        var afterUpgrade = await migrator.UpgradeAsync();

        // Assert
        Assert.Null(afterDowngrade);
        Assert.Empty(tablesAfterDowngrade);
        Assert.Empty(functionsAfterDowngrade);
        Assert.Equal((await migrator.AllAsync())[^1], afterUpgrade);
        Assert.Empty(await migrator.PendingAsync());
        await services.GetRequiredService<RoleSeeder>().EnsureRolesAsync();
        await SeedAsync(services);
        var verification = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(3, verification.RowsChecked);
    }

    [Fact]
    public async Task DowngradeMinusOne_FullyMigrated_RevertsOnlyTheLastMigration()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("mig_minus");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();
        var all = await migrator.AllAsync();

        var current = await migrator.DowngradeAsync("-1");

        Assert.Equal(all.Count > 1 ? all[^2] : null, current);
        Assert.Equal([all[^1]], await migrator.PendingAsync());
    }

    [Theory]
    [InlineData("Initial")]
    [InlineData("initial")]
    [InlineData(InitialId)]
    [InlineData("2026112100")]
    public async Task Upgrade_TargetByNameIdOrPrefix_AppliesThatMigration(string target)
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync("mig_up");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();

        var current = await migrator.UpgradeAsync(target);

        Assert.Equal(InitialId, current);
        Assert.Equal([InitialId], await migrator.AppliedAsync());
        Assert.Equal(1L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_logs_chain'"));
    }

    [Fact]
    public async Task Upgrade_Head_AppliesEveryMigrationInOrder()
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync("mig_head");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();
        var all = await migrator.AllAsync();

        var current = await migrator.UpgradeAsync(SchemaMigrator.Head);

        Assert.Equal(all[^1], current);
        Assert.Equal(all, await migrator.AppliedAsync());
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
    }

    [Fact]
    public async Task DowngradeByName_AppliedMigration_KeepsItApplied()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("mig_down_name");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();

        var all = await migrator.AllAsync();

        var current = await migrator.DowngradeAsync("Initial");

        Assert.Equal(InitialId, current);
        Assert.Equal(all.Skip(1), await migrator.PendingAsync());
    }

    [Theory]
    [InlineData("NoSuchMigration")]
    [InlineData("1999")]
    public async Task UpgradeAndDowngrade_UnknownTarget_ThrowMigrationTargetExceptionAndChangeNothing(string target)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("mig_unknown");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();

        var up = await Assert.ThrowsAsync<MigrationTargetException>(() => migrator.UpgradeAsync(target));
        var down = await Assert.ThrowsAsync<MigrationTargetException>(() => migrator.DowngradeAsync(target));

        Assert.Contains(target, up.Message);
        Assert.Contains(InitialId, up.Message); // names the known migrations
        Assert.Contains(target, down.Message);
        Assert.Equal((await migrator.AllAsync())[^1], await migrator.CurrentAsync());
    }

    [Fact]
    public async Task Downgrade_TargetNotApplied_ThrowsMigrationTargetException()
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync("mig_not_applied");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();

        var error = await Assert.ThrowsAsync<MigrationTargetException>(() => migrator.DowngradeAsync("Initial"));

        Assert.Contains("not applied", error.Message);
        Assert.Null(await migrator.CurrentAsync());
    }

    [Fact]
    public async Task History_EmptyDatabase_ListsEveryMigrationAsPending()
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync("mig_history");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();

        var all = await migrator.AllAsync();
        var applied = await migrator.AppliedAsync();

        Assert.Equal(InitialId, all[0]);
        Assert.Empty(applied);
        Assert.Equal(all, await migrator.PendingAsync());
        Assert.Null(await migrator.CurrentAsync());
    }

    [Fact]
    public async Task Script_WholeRange_IsIdempotentSqlWithTheAuditTrigger()
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync("mig_script");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();

        var script = await migrator.ScriptAsync();
        // Running the idempotent script twice on an empty database (as the schema owner, as a DBA would) builds the schema once;
        // the run-time role then gets its grants the way `db upgrade` gives them.
        await using (var owner = new Npgsql.NpgsqlConnection(TestPostgres.AsOwner(connectionString)))
        {
            await owner.OpenAsync();
            await using var first = new Npgsql.NpgsqlCommand(script, owner);
            await first.ExecuteNonQueryAsync();
            await using var second = new Npgsql.NpgsqlCommand(script, owner);
            await second.ExecuteNonQueryAsync();
        }

        await migrator.GrantRuntimeAsync();

        Assert.Contains("CREATE TABLE audit_logs", script);
        Assert.Contains("CREATE TRIGGER audit_logs_chain", script);
        Assert.Equal(await migrator.AllAsync(), await migrator.AppliedAsync());
    }

    private static async Task SeedAsync(IServiceProvider services)
    {
        var team = await services.GetRequiredService<TeamService>().CreateAsync(
            new TeamInput { Name = $"Team {Guid.NewGuid():N}"[..20], SlackChannel = "#team-x" }, Caller.System);
        Assert.True(team.Succeeded, team.Message);
        var service = await services.GetRequiredService<ServiceCatalogService>().CreateAsync(
            new ServiceInput { Name = $"svc-{Guid.NewGuid():N}"[..20], TeamId = team.Value!.Id, RepositoryUrl = "https://example.com/a/b.git" },
            Caller.System);
        Assert.True(service.Succeeded, service.Message);
        await TestUsers.CreateAsync(services, Roles.Viewer);
        await services.GetRequiredService<AuditWriter>().WriteAsync(AuditActor.System, "test.event", ResourceTypes.Audit, "1");
    }
}
