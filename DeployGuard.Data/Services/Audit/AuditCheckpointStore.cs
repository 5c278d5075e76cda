using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Audit;

/// <summary>
/// Writes and reads the signed checkpoints of the audit chain in the database. One checkpoint at a time across all app
/// instances (a transaction-scoped advisory lock), each linked to the one before.
/// </summary>
public sealed class AuditCheckpointStore(IDbContextFactory<ApplicationDbContext> contextFactory, TimeProvider clock)
{
    /// <summary>What decides whether a checkpoint is due: the latest one (null before the first), the chain's head id, now.</summary>
    public delegate bool Due(AuditCheckpoint? latest, long headId, DateTimeOffset now);

    /// <summary>Signs the chain's current head when <paramref name="due"/> says so; null when not due or the trail is empty.</summary>
    public async Task<AuditCheckpoint?> CreateAsync(ICheckpointSigner signer, Due due, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.LockAsync(TransactionLocks.AuditCheckpoint, ct);
        var latest = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Sequence).FirstOrDefaultAsync(ct);
        var head = await db.AuditLogs.AsNoTracking().OrderByDescending(a => a.Id).Select(a => new { a.Id, a.Hash }).FirstOrDefaultAsync(ct);
        var now = clock.GetUtcNow();
        // PostgreSQL keeps microseconds: sign exactly what the database will give back.
        now = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
        if (head is null || !due(latest, head.Id, now))
        {
            return null;
        }

        var checkpoint = new AuditCheckpoint
        {
            Sequence = (latest?.Sequence ?? 0) + 1,
            RowId = head.Id,
            RowHash = head.Hash,
            CreatedAt = now,
            Previous = latest is null ? "" : CheckpointFormat.Digest(latest),
            KeyId = signer.KeyId,
            Algorithm = CheckpointFormat.Algorithm,
        };
        checkpoint.Signature = Convert.ToBase64String(signer.Sign(CheckpointFormat.Payload(checkpoint)));
        db.AuditCheckpoints.Add(checkpoint);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return checkpoint;
    }

    public async Task<AuditCheckpoint?> LatestAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Sequence).FirstOrDefaultAsync(ct);
    }

    public async Task<List<AuditCheckpoint>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence).ToListAsync(ct);
    }
}
