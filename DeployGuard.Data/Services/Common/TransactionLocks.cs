using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace DeployGuard.Data.Services.Common;

/// <summary>
/// PostgreSQL advisory locks held until the current transaction ends (<c>pg_advisory_xact_lock</c>): how writers that
/// have no row to lock yet (the first user, a finding's scope, an environment's policy) serialise on a name. The one
/// place that takes them, so every key is spelled the same way by every caller and the fixed keys cannot collide.
/// </summary>
public static class TransactionLocks
{
    /// <summary>The first-user check of registration and of the user administration (one admin must remain).</summary>
    public const long FirstUser = 0x4447_0001;

    /// <summary>Reserved: taken in SQL by the audit chain's insert trigger (migration <c>Initial</c>), listed so no other lock reuses it.</summary>
    public const long AuditChain = 4919131752989213765;

    /// <summary>Signing an audit checkpoint.</summary>
    public const long AuditCheckpoint = 4919131752989213766;

    /// <summary>Re-keying stored secret hashes to the current key, one batch at a time.</summary>
    public const long SecretHashRekeying = 4919131752989213767;

    /// <summary>Waits for the lock on a fixed key, inside the caller's open transaction.</summary>
    public static Task LockAsync(this DatabaseFacade database, long key, CancellationToken ct) =>
        database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", ct);

    /// <summary>
    /// Waits for the lock on a name (<c>hashtextextended(name, 0)</c>, 64 bits), inside the caller's open transaction.
    /// Names start with their scope (<c>policy:</c>, <c>findings:</c>, …) so two features never share a lock by chance.
    /// </summary>
    public static Task LockAsync(this DatabaseFacade database, string name, CancellationToken ct) =>
        database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({name}, 0))", ct);
}
