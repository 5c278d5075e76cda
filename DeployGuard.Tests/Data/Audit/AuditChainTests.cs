using DeployGuard.Data.Services.Audit;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Audit;

/// <summary>The hash chain: verified intact, broken links found exactly, never forked by concurrent writers.</summary>
public sealed class AuditChainTests
{
    [Fact]
    public async Task Verify_EmptyTrail_IsIntactWithNoRows()
    {
        var (_, services) = await NewDatabaseAsync();
        await using var _ = services;

        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync();

        Assert.True(result.Intact);
        Assert.Equal(0, result.RowsChecked);
        Assert.Null(result.LastId);
    }

    [Fact]
    public async Task Verify_UntouchedTrail_IsIntactAndCountsEveryRow()
    {
        var (_, services) = await NewDatabaseAsync();
        await using var _ = services;
        var ids = await AppendAsync(services, 25);

        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync();

        Assert.True(result.Intact, result.Problem);
        Assert.Equal(25, result.RowsChecked);
        Assert.Equal(ids.Max(), result.LastId);
    }

    [Fact]
    public async Task Verify_DetailsOfOneRowAlteredBySuperuser_ReportsThatRowAsFirstBroken()
    {
        var (connectionString, services) = await NewDatabaseAsync();
        await using var _ = services;
        var ids = await AppendAsync(services, 20);
        var victim = ids[12];

        await TamperAsync(connectionString, $"UPDATE audit_logs SET details = '{{\"note\": \"nothing happened\"}}'::jsonb WHERE id = {victim}");
        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(victim, result.FirstBrokenId);
        Assert.Contains($"Row {victim} was altered", result.Problem);
    }

    [Fact]
    public async Task Verify_RowRehashedToHideTheChange_ReportsTheNextRowAsBrokenLink()
    {
        // A forger who also recomputes the altered row's hash still breaks the next row's link.
        var (connectionString, services) = await NewDatabaseAsync();
        await using var _ = services;
        var ids = await AppendAsync(services, 10);
        var victim = ids[4];

        await TamperAsync(connectionString, $"""
            UPDATE audit_logs SET user_name = 'mallory' WHERE id = {victim};
            UPDATE audit_logs a SET hash = encode(sha256(convert_to(audit_logs_canonical(a), 'UTF8')), 'hex') WHERE id = {victim};
            """);
        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(ids[5], result.FirstBrokenId);
        Assert.Contains("links to", result.Problem);
    }

    [Fact]
    public async Task Verify_RowDeletedBySuperuser_ReportsTheRowAfterTheGap()
    {
        var (connectionString, services) = await NewDatabaseAsync();
        await using var _ = services;
        var ids = await AppendAsync(services, 10);

        await TamperAsync(connectionString, $"DELETE FROM audit_logs WHERE id = {ids[3]}");
        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync();

        Assert.Equal(ids[4], result.FirstBrokenId);
    }

    [Fact]
    public async Task Hash_SameCanonicalFormAsDatabase_MatchesTheStoredHash()
    {
        var (connectionString, services) = await NewDatabaseAsync();
        await using var _ = services;
        // Nulls, multi-byte text and separators inside values must hash the same on both sides.
        await services.GetRequiredService<AuditWriter>().WriteAsync(
            new AuditActor(null, "Zoë|5:x", "::1", null), "test.unicode", ResourceTypes.Audit, null, new { text = "ünïcødé | 3:abc", n = 1.5 });

        var row = (await services.GetRequiredService<AuditService>().PageAsync(new AuditFilter())).Rows.Single();
        var micros = await Sql.ScalarAsync<long>(connectionString, "SELECT (extract(epoch FROM created_at) * 1000000)::bigint FROM audit_logs");
        var hash = AuditChainVerifier.Hash(new System.Text.StringBuilder(), row.Id, micros, row.UserId, row.UserName, row.Action, row.ResourceType,
            row.ResourceId, row.Details, row.IpAddress, row.UserAgent, row.PrevHash);

        Assert.Equal(row.Hash, hash);
        Assert.Equal("", row.PrevHash);
    }

    [Fact]
    public async Task Append_EightConcurrentWritersOfFiftyRows_NeverForkTheChain()
    {
        var (connectionString, services) = await NewDatabaseAsync();
        await using var _ = services;
        var writer = services.GetRequiredService<AuditWriter>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await writer.WriteAsync(new AuditActor($"writer-{w}", $"writer {w}"), "test.concurrent", ResourceTypes.Audit, $"{w}-{i}");
            }
        })));

        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(result.Intact, result.Problem);
        Assert.Equal(400, result.RowsChecked);
        // One successor per row: no two rows link to the same predecessor, and id order is time order.
        Assert.Equal(400L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(DISTINCT prev_hash) FROM audit_logs"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(connectionString, """
            SELECT count(*) FROM (
                SELECT created_at < lag(created_at) OVER (ORDER BY id) AS backwards,
                       prev_hash <> coalesce(lag(hash) OVER (ORDER BY id), '') AS unlinked
                FROM audit_logs) x
            WHERE backwards OR unlinked
            """));
        // Rows are numbered under the chain lock, so chain order has no holes.
        Assert.Equal(399L, await Sql.ScalarAsync<long>(connectionString, "SELECT max(id) - min(id) FROM audit_logs"));
    }

    [Fact]
    public async Task Append_TransactionRolledBack_LeavesNoRowAndChainIntact()
    {
        var (connectionString, services) = await NewDatabaseAsync();
        await using var _ = services;
        await AppendAsync(services, 3);

        await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await using var insert = new Npgsql.NpgsqlCommand(
                "INSERT INTO audit_logs (action, resource_type, details) VALUES ('test.rolled_back', 'audit', '{}')", connection, tx);
            await insert.ExecuteNonQueryAsync();
            await tx.RollbackAsync();
        }

        await AppendAsync(services, 2);

        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(result.Intact, result.Problem);
        Assert.Equal(5, result.RowsChecked);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], await Sql.ListAsync<long>(connectionString, "SELECT id FROM audit_logs ORDER BY id"));
    }

    private static async Task<(string ConnectionString, ServiceProvider Services)> NewDatabaseAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("chain");
        return (connectionString, TestPostgres.BuildDataServices(connectionString));
    }

    private static async Task<List<long>> AppendAsync(IServiceProvider services, int count)
    {
        var writer = services.GetRequiredService<AuditWriter>();
        for (var i = 0; i < count; i++)
        {
            await writer.WriteAsync(new AuditActor("u1", "user one", "127.0.0.1", "tests"), "test.append", ResourceTypes.Audit, i.ToString(),
                new { i, text = "a,b \"quoted\"" });
        }

        return (await services.GetRequiredService<AuditService>().PageAsync(new AuditFilter(), pageSize: 500)).Rows.Select(r => r.Id).Order().ToList();
    }

    /// <summary>What an attacker with superuser rights could do: switch the guard triggers off, change rows, switch them on.</summary>
    private static Task TamperAsync(string connectionString, string sql) => Sql.ExecuteAsync(connectionString, $"""
        ALTER TABLE audit_logs DISABLE TRIGGER USER;
        {sql};
        ALTER TABLE audit_logs ENABLE TRIGGER USER;
        """);
}
