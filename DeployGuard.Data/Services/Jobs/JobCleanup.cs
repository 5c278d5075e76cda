using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Jobs;

/// <summary>
/// The queue's own retention sweep, and the model of a recurring kind: one job (keyed, so instances do not pile up
/// copies) deletes finished jobs older than <see cref="JobsOptions.KeepFinishedDays"/> and queues its successor in
/// the same transaction.
/// </summary>
public sealed class JobCleanup(IOptionsMonitor<JobsOptions> options) : JobKind<NoWork>
{
    public const string Kind = "JobCleanup";

    private const string Key = "recurring";

    public static readonly TimeSpan Every = TimeSpan.FromHours(1);

    public override string Name => Kind;

    public override async Task<NoWork?> ClaimAsync(JobTransaction tx, CancellationToken ct)
    {
        var before = tx.Now.AddDays(-options.CurrentValue.KeepFinishedDays);
        while (await JobQueue.DeleteFinishedAsync(tx.Db, before, 5000, ct) == 5000)
        {
        }

        // This job is still running (its key taken) until the transaction ends: end it first, then queue the next one.
        JobQueue.End(tx.Job, Entities.JobStatus.Succeeded, tx.Now);
        await tx.Db.SaveChangesAsync(ct);
        await JobQueue.EnsureQueuedAsync(tx.Db, Kind, Key, tx.Now + Every, tx.Now, ct);
        return null;
    }

    /// <summary>Queues the first cleanup unless one is queued or running (each instance calls this at start-up).</summary>
    public static Task EnsureScheduledAsync(JobQueue queue, CancellationToken ct) => queue.EnsureQueuedAsync(Kind, Key, DateTimeOffset.MinValue, ct);
}
