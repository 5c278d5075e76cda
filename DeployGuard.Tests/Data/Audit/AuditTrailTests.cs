using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Npgsql;

namespace DeployGuard.Tests.Data.Audit;

/// <summary>Every catalog change appends exactly one audit row in its own transaction; refused changes append none.</summary>
public sealed class AuditTrailTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Admin = new("admin-audit", "admin@test.local", [Roles.Admin], "10.1.2.3", "xunit");

    private TeamService Teams => db.Get<TeamService>();
    private ServiceCatalogService Services => db.Get<ServiceCatalogService>();
    private EnvironmentService Environments => db.Get<EnvironmentService>();

    [Fact]
    public async Task TeamCreateUpdateDelete_Admin_WritesOneAuditRowEach()
    {
        var created = await Teams.CreateAsync(new TeamInput { Name = Unique("Team"), SlackChannel = "#audit-team" }, Admin);
        var id = created.Value!.Id;
        var updated = await Teams.UpdateAsync(id, new TeamInput { Name = created.Value.Name, Description = "changed" }, Admin);
        var deleted = await Teams.DeleteAsync(id, Admin);

        Assert.True(created.Succeeded && updated.Succeeded && deleted.Succeeded);
        Assert.Equal(["team.created", "team.updated", "team.deleted"], await ActionsForAsync(id));
        var row = (await db.Get<AuditService>().PageAsync(new AuditFilter { ResourceId = id.ToString(), Action = "team.updated" })).Rows.Single();
        Assert.Equal(Admin.UserId, row.UserId);
        Assert.Equal("10.1.2.3", row.IpAddress);
        Assert.Equal("xunit", row.UserAgent);
        Assert.Contains("\"description\"", row.Details);
        Assert.Contains("changed", row.Details);
    }

    [Fact]
    public async Task ServiceCreateUpdateDelete_Admin_WritesOneAuditRowEach()
    {
        var created = await Services.CreateAsync(new ServiceInput { Name = Unique("svc").ToLowerInvariant() }, Admin);
        var id = created.Value!.Id;
        var input = created.Value.ToInput();
        input.DefaultBranch = "release/1.0";
        var updated = await Services.UpdateAsync(id, input, Admin);
        var deleted = await Services.DeleteAsync(id, Admin);

        Assert.True(created.Succeeded && updated.Succeeded && deleted.Succeeded);
        Assert.Equal(["service.created", "service.updated", "service.deleted"], await ActionsForAsync(id));
    }

    [Fact]
    public async Task EnvironmentCreateUpdateDelete_Admin_WritesOneAuditRowEach()
    {
        var created = await Environments.CreateAsync(new EnvironmentInput { Name = Unique("env"), Type = EnvironmentType.Staging }, Admin);
        var id = created.Value!.Id;
        var input = created.Value.ToInput();
        input.IsProtected = true;
        input.RequiredApprovals = 2;
        var updated = await Environments.UpdateAsync(id, input, Admin);
        var deleted = await Environments.DeleteAsync(id, Admin);

        Assert.True(created.Succeeded && updated.Succeeded && deleted.Succeeded);
        Assert.Equal(["environment.created", "environment.updated", "environment.deleted"], await ActionsForAsync(id));
    }

    [Fact]
    public async Task Update_NothingChanged_WritesNoAuditRow()
    {
        var created = await Environments.CreateAsync(new EnvironmentInput { Name = Unique("env") }, Admin);
        var before = await TotalAsync();

        var updated = await Environments.UpdateAsync(created.Value!.Id, created.Value.ToInput(), Admin);

        Assert.True(updated.Succeeded);
        Assert.Equal(before, await TotalAsync());
    }

    [Fact]
    public async Task Create_FailedValidation_WritesNoAuditRowAndStoresNothing()
    {
        var before = await TotalAsync();
        var teamsBefore = await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM teams");

        var team = await Teams.CreateAsync(new TeamInput { Name = "", SlackChannel = "not a channel" }, Admin);
        var service = await Services.CreateAsync(new ServiceInput { Name = "Bad Name", RepositoryUrl = "ftp://x" }, Admin);
        var environment = await Environments.CreateAsync(new EnvironmentInput { Name = Unique("env"), RequiredApprovals = 11 }, Admin);

        Assert.Equal(ResultStatus.Invalid, team.Status);
        Assert.Equal(ResultStatus.Invalid, service.Status);
        Assert.Equal(ResultStatus.Invalid, environment.Status);
        Assert.Equal(before, await TotalAsync());
        Assert.Equal(teamsBefore, await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM teams"));
    }

    [Fact]
    public async Task Create_UniqueViolationRaisedByDatabase_RollsBackTheAuditRowToo()
    {
        // Two creates racing on one name: the loser passes validation, then hits the unique index.
        // The audit row was added to the same SaveChanges, so it must vanish with the failed insert.
        var name = Unique("race");
        var before = await TotalAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Teams.CreateAsync(new TeamInput { Name = name }, Admin)));

        Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(ResultStatus.Invalid, r.Status));
        Assert.Equal(before + 1, await TotalAsync());
    }

    [Theory]
    [InlineData("UPDATE audit_logs SET details = '{\"x\":1}'::jsonb")]
    [InlineData("DELETE FROM audit_logs")]
    [InlineData("TRUNCATE audit_logs")]
    public async Task ChangeAuditRows_AnyStatementEvenAsSuperuser_IsRefusedByTheDatabase(string statement)
    {
        await db.Get<AuditWriter>().WriteAsync(AuditActor.System, "test.append_only", ResourceTypes.Audit, Unique("r"));
        var before = await TotalAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => Sql.ExecuteAsync(db.ConnectionString, statement));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Contains("append-only", error.MessageText);
        Assert.Equal(before, await TotalAsync());
    }

    [Fact]
    public async Task Insert_ClientSuppliedChainFields_AreReplacedByTheTrigger()
    {
        var resource = Unique("forged");

        await Sql.ExecuteAsync(db.ConnectionString,
            """
            INSERT INTO audit_logs (id, created_at, action, resource_type, resource_id, details, prev_hash, hash)
            VALUES (999999999, '2001-01-01', 'test.forged', 'audit', @r, '{}', 'forged', 'forged')
            """, ("r", resource));

        var row = (await db.Get<AuditService>().PageAsync(new AuditFilter { ResourceId = resource })).Rows.Single();
        Assert.NotEqual(999999999, row.Id);
        Assert.NotEqual("forged", row.Hash);
        Assert.NotEqual("forged", row.PrevHash);
        Assert.True(row.CreatedAt > new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True((await db.Get<AuditChainVerifier>().VerifyAsync()).Intact);
    }

    [Fact]
    public async Task WriteAsync_OverlongActorAndResource_AreTruncatedToTheColumns()
    {
        var resource = Unique("long") + new string('r', 200);

        await db.Get<AuditWriter>().WriteAsync(new AuditActor("u", new string('n', 300), new string('1', 100), new string('a', 2000)),
            "test.long", ResourceTypes.Audit, resource);

        var row = (await db.Get<AuditService>().PageAsync(new AuditFilter { Action = "test.long" })).Rows.Single();
        Assert.Equal((256, 64, 512, 100), (row.UserName!.Length, row.IpAddress!.Length, row.UserAgent!.Length, row.ResourceId!.Length));
        Assert.Equal(resource[..100], row.ResourceId);
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private Task<long> TotalAsync() => Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM audit_logs");

    private Task<List<string>> ActionsForAsync(Guid id) =>
        Sql.ListAsync<string>(db.ConnectionString, "SELECT action::text FROM audit_logs WHERE resource_id = @id ORDER BY id", ("id", id.ToString()));
}
