using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace DeployGuard.Data.Services.Audit;

public sealed record AuditVerification(long RowsChecked, long? FirstBrokenId, string? Problem, long? LastId, TimeSpan Elapsed)
{
    public bool Intact => FirstBrokenId is null;
}

/// <summary>
/// Recomputes the hash chain of audit_logs from the first row and reports the first broken link.
/// The canonical form must match <c>audit_logs_canonical()</c> in the database (Migrations/Sql/AuditChain.sql).
/// </summary>
public sealed class AuditChainVerifier(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    public async Task<AuditVerification> VerifyAsync(IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint, user_id, user_name, action, resource_type, resource_id,
                   details::text, ip_address, user_agent, prev_hash, hash
            FROM audit_logs ORDER BY id
            """, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);

        var previousHash = "";
        long count = 0;
        long? lastId = null;
        var buffer = new StringBuilder(512);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            var micros = reader.GetInt64(1);
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var userId = Text(2);
            var userName = Text(3);
            var action = reader.GetString(4);
            var resourceType = reader.GetString(5);
            var resourceId = Text(6);
            var details = reader.GetString(7);
            var ip = Text(8);
            var userAgent = Text(9);
            var prevHash = reader.GetString(10);
            var hash = reader.GetString(11);
            count++;
            lastId = id;

            if (prevHash != previousHash)
            {
                return new AuditVerification(count, id, $"Row {id} links to {Short(prevHash)} but the row before it has hash {Short(previousHash)}.",
                    lastId, started.Elapsed);
            }

            var expected = Hash(buffer, id, micros, userId, userName, action, resourceType, resourceId, details, ip, userAgent, prevHash);
            if (expected != hash)
            {
                return new AuditVerification(count, id, $"Row {id} was altered: its content hashes to {Short(expected)}, stored {Short(hash)}.",
                    lastId, started.Elapsed);
            }

            previousHash = hash;
            if (count % 50_000 == 0)
            {
                progress?.Report(count);
            }
        }

        progress?.Report(count);
        return new AuditVerification(count, null, null, lastId, started.Elapsed);
    }

    /// <summary>SHA-256 (hex) of the canonical form: each field as <c>byteLength:value|</c>, null as <c>-1:|</c>.</summary>
    public static string Hash(StringBuilder buffer, long id, long createdAtMicros, string? userId, string? userName, string action,
        string resourceType, string? resourceId, string details, string? ipAddress, string? userAgent, string prevHash)
    {
        buffer.Clear();
        Field(buffer, id.ToString(CultureInfo.InvariantCulture));
        Field(buffer, createdAtMicros.ToString(CultureInfo.InvariantCulture));
        Field(buffer, userId);
        Field(buffer, userName);
        Field(buffer, action);
        Field(buffer, resourceType);
        Field(buffer, resourceId);
        Field(buffer, details);
        Field(buffer, ipAddress);
        Field(buffer, userAgent);
        Field(buffer, prevHash);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(buffer.ToString()))).ToLowerInvariant();
    }

    private static void Field(StringBuilder buffer, string? value)
    {
        if (value is null)
        {
            buffer.Append("-1:|");
            return;
        }

        buffer.Append(Encoding.UTF8.GetByteCount(value).ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('|');
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash.Length == 0 ? "(none)" : hash;
}
