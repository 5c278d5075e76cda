namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// A fingerprint of the catalog and audit tables (every column of every row), to prove that a refused
/// operation changed nothing at all.
/// </summary>
public sealed record DbSnapshot(string Teams, string TeamMembers, string Services, string Environments, string Audit, string Users)
{
    public static async Task<DbSnapshot> TakeAsync(string connectionString) => new(
        await FingerprintAsync(connectionString, "teams", "id"),
        await FingerprintAsync(connectionString, "team_members", "team_id, user_id"),
        await FingerprintAsync(connectionString, "services", "id"),
        await FingerprintAsync(connectionString, "environments", "id"),
        await FingerprintAsync(connectionString, "audit_logs", "id"),
        await FingerprintAsync(connectionString, "users", "id"));

    private static async Task<string> FingerprintAsync(string connectionString, string table, string orderBy) =>
        await Sql.ScalarAsync<string>(connectionString,
            $"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY {orderBy})), '') FROM {table} t");
}
