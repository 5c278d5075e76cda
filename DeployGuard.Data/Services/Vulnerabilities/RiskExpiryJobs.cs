using DeployGuard.Data.Services.Jobs;
using Microsoft.Extensions.Logging;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>
/// The recurring risk-expiry sweep on the job queue (kind <c>RiskExpiry</c>, modelled on <see cref="JobCleanup"/>): one
/// keyed job at a time across instances ends the acceptances that expired, re-opens their findings, and queues its
/// successor a minute later, all in the claim's transaction.
/// </summary>
public sealed class RiskExpiryJobs(RiskService risks, ILogger<RiskExpiryJobs> logger) : JobKind<NoWork>
{
    public const string Kind = "RiskExpiry";

    private const string Key = "recurring";

    public static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    public override string Name => Kind;

    public override async Task<NoWork?> ClaimAsync(JobTransaction tx, CancellationToken ct)
    {
        int expired, total = 0;
        while ((expired = await risks.ExpireDueAsync(tx.Db, tx.Now, ct)) > 0)
        {
            total += expired;
        }

        if (total > 0)
        {
            logger.LogInformation("{Count} risk acceptance(s) expired; their findings are open again", total);
        }

        // This job holds its key until the transaction ends: end it first, then queue the next one.
        JobQueue.End(tx.Job, Entities.JobStatus.Succeeded, tx.Now);
        await tx.Db.SaveChangesAsync(ct);
        await JobQueue.EnsureQueuedAsync(tx.Db, Kind, Key, tx.Now + Every, tx.Now, ct);
        return null;
    }

    /// <summary>Queues the first sweep unless one is queued or running (each instance calls this at start-up).</summary>
    public static Task EnsureScheduledAsync(JobQueue queue, CancellationToken ct) => queue.EnsureQueuedAsync(Kind, Key, DateTimeOffset.MinValue, ct);
}
