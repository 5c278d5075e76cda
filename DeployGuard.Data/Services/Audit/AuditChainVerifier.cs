using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace DeployGuard.Data.Services.Audit;

/// <summary>A signed checkpoint the chain was found to agree with.</summary>
public sealed record CheckpointMatch(long Sequence, long RowId, DateTimeOffset CreatedAt);

public sealed record AuditVerification(long RowsChecked, long? FirstBrokenId, string? Problem, long? LastId, TimeSpan Elapsed)
{
    /// <summary>The chain links up and agrees with every signed checkpoint, and the checkpoints themselves are sound.</summary>
    public bool Intact => FirstBrokenId is null && CheckpointProblems.Count == 0;

    /// <summary>Checkpoints with a valid signature that were compared with the chain.</summary>
    public int CheckpointsChecked { get; init; }

    /// <summary>The newest checkpoint the chain still matches (everything up to its row is as signed).</summary>
    public CheckpointMatch? LastMatching { get; init; }

    /// <summary>When a checkpoint does not match: the first row after <see cref="LastMatching"/>, the first that can no longer be trusted.</summary>
    public long? FirstUntrustedRowId { get; init; }

    /// <summary>Forged, missing, re-ordered or unmatched checkpoints; empty when all is well.</summary>
    public IReadOnlyList<string> CheckpointProblems { get; init; } = [];

    /// <summary>Rows after the newest checkpoint: chained, not yet signed.</summary>
    public long UnsignedRows { get; init; }
}

/// <summary>
/// Signed checkpoints to hold the chain against, from where they were found (the database, a checkpoint file), and the
/// public key to check their signatures with.
/// </summary>
/// <param name="DatabaseRead">Whether the database's checkpoints are among them (however few): then any checkpoint that only a
/// file has was deleted from the database.</param>
public sealed record CheckpointEvidence(IReadOnlyList<(AuditCheckpoint Checkpoint, string Source)> Checkpoints, ECDsa? PublicKey,
    IReadOnlyList<string> ReadProblems, bool DatabaseRead = true)
{
    public const string DatabaseSource = "database";
}

/// <summary>
/// Recomputes the hash chain of audit_logs from the first row and reports the first broken link, then holds the chain
/// against signed checkpoints: a chain that an attacker with superuser rights rewrote and re-hashed consistently links up,
/// but no longer matches the row hash a checkpoint signed with a key the database never held.
/// The canonical form must match <c>audit_logs_canonical()</c> in the database (Migrations/Sql/AuditChain.sql).
/// </summary>
public sealed class AuditChainVerifier(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    public async Task<AuditVerification> VerifyAsync(IProgress<long>? progress = null, CancellationToken ct = default) =>
        await VerifyAsync(null, progress, ct);

    public async Task<AuditVerification> VerifyAsync(CheckpointEvidence? evidence, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        List<string> problems = [];
        var trusted = evidence is null ? null : Trusted(evidence, out problems);
        var chain = await VerifyChainAsync(trusted, progress, ct);
        return problems.Count == 0 ? chain : chain with { CheckpointProblems = [.. problems, .. chain.CheckpointProblems] };
    }

    /// <summary>
    /// The checkpoints whose signature is valid under the public key, one per sequence, in order; every reason to distrust
    /// the set goes to <paramref name="problems"/> (bad or foreign signatures, two versions of one checkpoint, a broken or
    /// gapped link, a checkpoint that the database lost but a file kept).
    /// </summary>
    private static List<AuditCheckpoint> Trusted(CheckpointEvidence evidence, out List<string> problems)
    {
        problems = [.. evidence.ReadProblems];
        if (evidence.Checkpoints.Count == 0)
        {
            return [];
        }

        if (evidence.PublicKey is null)
        {
            problems.Add($"{evidence.Checkpoints.Count} checkpoint(s) could not be checked: no public key.");
            return [];
        }

        var keyId = CheckpointFormat.KeyId(evidence.PublicKey);
        var valid = new Dictionary<long, (AuditCheckpoint Checkpoint, HashSet<string> Sources)>();
        foreach (var (checkpoint, source) in evidence.Checkpoints)
        {
            if (checkpoint.KeyId != keyId)
            {
                problems.Add($"Checkpoint #{checkpoint.Sequence} ({source}) is signed by another key ({Short(checkpoint.KeyId)}), not {Short(keyId)}.");
                continue;
            }

            if (!CheckpointFormat.Verify(checkpoint, evidence.PublicKey))
            {
                problems.Add($"Checkpoint #{checkpoint.Sequence} ({source}) has an invalid signature: it was forged or altered.");
                continue;
            }

            if (valid.TryGetValue(checkpoint.Sequence, out var seen))
            {
                if (CheckpointFormat.Digest(seen.Checkpoint) != CheckpointFormat.Digest(checkpoint))
                {
                    problems.Add($"Checkpoint #{checkpoint.Sequence} exists twice with different content ({string.Join(", ", seen.Sources)} and {source}).");
                }

                seen.Sources.Add(source);
                continue;
            }

            valid[checkpoint.Sequence] = (checkpoint, [source]);
        }

        if (evidence.DatabaseRead)
        {
            foreach (var (sequence, entry) in valid.Where(v => !v.Value.Sources.Contains(CheckpointEvidence.DatabaseSource)).OrderBy(v => v.Key))
            {
                problems.Add($"Checkpoint #{sequence} ({string.Join(", ", entry.Sources)}) is missing from the database: it was deleted there.");
            }
        }

        var ordered = valid.Values.Select(v => v.Checkpoint).OrderBy(c => c.Sequence).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            var current = ordered[i];
            var expectedSequence = i == 0 ? 1 : ordered[i - 1].Sequence + 1;
            if (current.Sequence != expectedSequence)
            {
                problems.Add($"Checkpoints #{expectedSequence}" + (current.Sequence - 1 > expectedSequence ? $"–#{current.Sequence - 1}" : "") + " are missing.");
            }
            else if (i > 0 && current.Previous != CheckpointFormat.Digest(ordered[i - 1]))
            {
                problems.Add($"Checkpoint #{current.Sequence} does not follow checkpoint #{ordered[i - 1].Sequence} (its link does not match).");
            }
            else if (i == 0 && current.Sequence == 1 && current.Previous.Length > 0)
            {
                problems.Add("Checkpoint #1 links to a predecessor that cannot exist.");
            }

            if (i > 0 && current.RowId < ordered[i - 1].RowId)
            {
                problems.Add($"Checkpoint #{current.Sequence} signs row {current.RowId}, before the row #{ordered[i - 1].Sequence} signed ({ordered[i - 1].RowId}).");
            }
        }

        return ordered;
    }

    private async Task<AuditVerification> VerifyChainAsync(List<AuditCheckpoint>? checkpoints, IProgress<long>? progress, CancellationToken ct)
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
        var byRow = (checkpoints ?? []).GroupBy(c => c.RowId).ToDictionary(g => g.Key, g => g.ToList());
        CheckpointMatch? lastMatching = null;
        var checkpointProblems = new List<string>();
        long? firstUntrusted = null;
        AuditVerification Result(long? brokenId, string? problem) => new(count, brokenId, problem, lastId, started.Elapsed)
        {
            CheckpointsChecked = checkpoints?.Count ?? 0,
            LastMatching = lastMatching,
            // A broken link also breaks trust back to the newest checkpoint before it: rows after that were not signed.
            FirstUntrustedRowId = firstUntrusted ?? (brokenId is not null && checkpoints is not null ? (lastMatching?.RowId ?? 0) + 1 : null),
            CheckpointProblems = checkpointProblems,
            UnsignedRows = lastId is { } last && checkpoints is { Count: > 0 } ? last - checkpoints.Max(c => c.RowId) : count,
        };

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
                return Result(id, $"Row {id} links to {Short(prevHash)} but the row before it has hash {Short(previousHash)}.");
            }

            var expected = Hash(buffer, id, micros, userId, userName, action, resourceType, resourceId, details, ip, userAgent, prevHash);
            if (expected != hash)
            {
                return Result(id, $"Row {id} was altered: its content hashes to {Short(expected)}, stored {Short(hash)}.");
            }

            if (firstUntrusted is null && byRow.TryGetValue(id, out var signed))
            {
                foreach (var checkpoint in signed)
                {
                    if (checkpoint.RowHash == hash)
                    {
                        lastMatching = new CheckpointMatch(checkpoint.Sequence, checkpoint.RowId, checkpoint.CreatedAt);
                        continue;
                    }

                    // The chain links up but is not the chain that was signed: it was rewritten and re-hashed.
                    firstUntrusted = (lastMatching?.RowId ?? 0) + 1;
                    checkpointProblems.Add(
                        $"Row {id} does not match signed checkpoint #{checkpoint.Sequence} of {CheckpointFormat.Time(checkpoint.CreatedAt)} " +
                        $"(signed {Short(checkpoint.RowHash)}, now {Short(hash)}): the trail was rewritten at or before row {id}. " +
                        (lastMatching is { } good
                            ? $"Rows up to {good.RowId} match checkpoint #{good.Sequence}; row {firstUntrusted} is the first that can no longer be trusted."
                            : $"No earlier checkpoint matches; row {firstUntrusted} is the first that can no longer be trusted."));
                    break;
                }
            }

            previousHash = hash;
            if (count % 50_000 == 0)
            {
                progress?.Report(count);
            }
        }

        progress?.Report(count);
        if (checkpoints is { Count: > 0 } && checkpoints.Max(c => c.RowId) is var signedHead && signedHead > (lastId ?? 0))
        {
            // Rows a checkpoint vouched for are gone: the end of the trail was cut off.
            firstUntrusted ??= (lastMatching?.RowId ?? 0) + 1;
            checkpointProblems.Add($"A checkpoint signed row {signedHead} but the trail ends at row {lastId?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}: " +
                                   "rows were deleted.");
        }

        return Result(null, null);
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
