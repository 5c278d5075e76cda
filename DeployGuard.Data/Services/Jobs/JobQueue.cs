using System.Diagnostics;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Jobs;

/// <summary>
/// The one job queue (docs/decisions/0013), and the only place that claims work. Jobs are rows of <c>jobs</c>; a
/// claim takes the oldest due row of a kind with <c>FOR UPDATE SKIP LOCKED</c> (so workers on any number of instances
/// never wait on each other and never take the same row) and runs the kind's claim step in the same transaction.
/// Heartbeats and every way a job ends are guarded by its owner and its current status: a worker that lost its claim
/// is refused, and two endings never overwrite each other. Lock order everywhere: the job row, then the domain rows.
/// </summary>
public sealed class JobQueue(
    IDbContextFactory<ApplicationDbContext> contextFactory,
    IOptionsMonitor<JobsOptions> options,
    TimeProvider clock,
    ILogger<JobQueue> logger)
{
    /// <summary>A missed beat or two is enough when the owner's process is visibly gone (same host).</summary>
    public static readonly TimeSpan DeadOwnerGrace = TimeSpan.FromSeconds(5);

    public JobKindPolicy PolicyFor(IJobKind kind) => options.CurrentValue.PolicyFor(kind);

    /// <summary>
    /// Adds a job to the caller's context: it is saved with the caller's <c>SaveChanges</c> (so it exists exactly when the
    /// change that needs it does), and workers everywhere are woken when that transaction commits (an insert trigger
    /// NOTIFYs its kind).
    /// </summary>
    public static Job Enqueue(ApplicationDbContext db, string kind, DateTimeOffset now, Guid? subjectId = null, DateTimeOffset? runAfter = null,
        string? payload = null)
    {
        var job = new Job
        {
            Id = Guid.CreateVersion7(), Kind = kind, SubjectId = subjectId, Payload = payload, Status = JobStatus.Queued,
            RunAfter = runAfter is { } at && at > now ? at : now, CreatedAt = now,
        };
        db.Jobs.Add(job);
        return job;
    }

    /// <summary>Queues the kind's job with this key unless one is queued or running already (singletons, recurring sweeps).</summary>
    public async Task<bool> EnsureQueuedAsync(string kind, string key, DateTimeOffset runAfter, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        return await EnsureQueuedAsync(db, kind, key, runAfter < now ? now : runAfter, now, ct);
    }

    /// <summary>As above, in the caller's transaction (a recurring job queues its successor as it ends).</summary>
    public static async Task<bool> EnsureQueuedAsync(ApplicationDbContext db, string kind, string key, DateTimeOffset runAfter, DateTimeOffset now,
        CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO jobs (id, kind, key, status, attempts, run_after, created_at)
            VALUES ({Guid.CreateVersion7()}, {kind}, {key}, 'Queued', 0, {runAfter}, {now})
            ON CONFLICT (kind, key) WHERE key IS NOT NULL AND status IN ('Queued', 'Running') DO NOTHING
            """, ct) == 1;

    /// <summary>
    /// Claims the oldest due job of the kind for <paramref name="owner"/> and runs the kind's claim step in the same
    /// transaction. Null when no job is due; a claim whose <see cref="JobClaim{TWork}.Work"/> is null was finished (or
    /// cancelled, or deferred) by its claim step and needs no worker.
    /// </summary>
    public async Task<JobClaim<TWork>?> ClaimAsync<TWork>(JobKind<TWork> kind, string owner, CancellationToken ct = default) where TWork : class
    {
        var started = Stopwatch.GetTimestamp();
        Guid jobId;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var now = clock.GetUtcNow();
            var job = (await db.Jobs.FromSql(
                $"""
                UPDATE jobs SET status = 'Running', claimed_by = {owner}, claimed_at = {now}, heartbeat_at = {now}, attempts = attempts + 1
                WHERE id = (SELECT id FROM jobs WHERE kind = {kind.Name} AND status = 'Queued' AND run_after <= {now}
                            ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                  AND status = 'Queued'
                RETURNING *
                """).ToListAsync(ct)).FirstOrDefault();
            if (job is null)
            {
                return null;
            }

            jobId = job.Id;
            var tx = new JobTransaction(db, job, now);
            try
            {
                var work = await kind.ClaimAsync(tx, ct);
                if (tx.DeferredUntil is { } until)
                {
                    job.Status = JobStatus.Queued;
                    job.RunAfter = until;
                    job.Attempts--;
                    job.ClaimedBy = null;
                    work = null;
                }
                else if (tx.EndedAs is { } ended)
                {
                    End(job, ended, now);
                    work = null;
                }
                else if (work is null)
                {
                    End(job, JobStatus.Succeeded, now);
                }

                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                JobMetrics.Claimed(kind.Name, Stopwatch.GetElapsedTime(started));
                await tx.RunAfterCommitAsync(ct);
                return new JobClaim<TWork>(job.Id, kind.Name, job.SubjectId, owner, job.Attempts, work);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogError(ex, "The claim step of {Kind} job {JobId} failed", kind.Name, jobId);
            }
        }

        // The claim was rolled back; without this the same broken job would be claimed again at once, forever.
        await ParkAsync(kind, jobId, ct);
        return null;
    }

    private async Task ParkAsync(IJobKind kind, Guid jobId, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == jobId && j.Status == JobStatus.Queued, ct);
        if (job is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        job.Attempts++;
        job.LastError = "Claiming this job failed (see the application log).";
        var policy = PolicyFor(kind);
        if (job.Attempts >= policy.MaxAttempts)
        {
            End(job, JobStatus.Failed, now);
        }
        else
        {
            job.RunAfter = now + policy.RetryDelay(job.Attempts);
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>Keeps a claimed job alive. False when it is no longer this owner's running job: stop working on it.</summary>
    public async Task<bool> HeartbeatAsync(Guid jobId, string owner, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        return await db.Database.ExecuteSqlAsync(
            $"UPDATE jobs SET heartbeat_at = {now} WHERE id = {jobId} AND claimed_by = {owner} AND status = 'Running'", ct) == 1;
    }

    /// <summary>
    /// Locks the job if it is still <paramref name="owner"/>'s running job: the guard of every completion. Call it first in
    /// the transaction (before locking domain rows); null means the claim was lost and nothing may be recorded.
    /// </summary>
    public static async Task<Job?> LockOwnedAsync(ApplicationDbContext db, Guid jobId, string owner, CancellationToken ct) =>
        (await db.Jobs.FromSql($"SELECT * FROM jobs WHERE id = {jobId} AND claimed_by = {owner} AND status = 'Running' FOR UPDATE")
            .ToListAsync(ct)).FirstOrDefault();

    /// <summary>The same guard, by the job's kind and subject (a stage's completion knows its stage, not its job).</summary>
    public static async Task<Job?> LockOwnedAsync(ApplicationDbContext db, string kind, Guid subjectId, string owner, CancellationToken ct) =>
        (await db.Jobs.FromSql(
                $"SELECT * FROM jobs WHERE kind = {kind} AND subject_id = {subjectId} AND claimed_by = {owner} AND status = 'Running' FOR UPDATE")
            .ToListAsync(ct)).FirstOrDefault();

    /// <summary>
    /// Locks the unfinished jobs of these subjects, for an action that ends them (a person cancelling a deployment): taken
    /// before the domain rows, like every other path, so it queues behind a claim in progress instead of deadlocking with it.
    /// </summary>
    public static async Task<List<Job>> LockUnfinishedAsync(ApplicationDbContext db, IReadOnlyCollection<Guid> subjectIds, CancellationToken ct) =>
        subjectIds.Count == 0
            ? []
            : await db.Jobs.FromSql(
                    $"SELECT * FROM jobs WHERE subject_id = ANY({subjectIds.ToArray()}) AND status IN ('Queued', 'Running') ORDER BY id FOR UPDATE")
                .ToListAsync(ct);

    /// <summary>Ends a locked job (tracked: saved with the caller's transaction).</summary>
    public static void End(Job job, JobStatus status, DateTimeOffset now, string? note = null)
    {
        job.Status = status;
        job.CompletedAt = now;
        if (note is not null)
        {
            job.LastError = note.Truncate(2000);
        }
    }

    /// <summary>
    /// Ends a locked job without success: back to the queue after its back-off while attempts remain (and
    /// <paramref name="retry"/> allows), else failed for good.
    /// </summary>
    public JobFailure Fail(IJobKind kind, Job job, string reason, DateTimeOffset now, bool stale = false, bool ownerGone = false, bool retry = true)
    {
        var policy = PolicyFor(kind);
        var failure = new JobFailure(reason, retry && job.Attempts < policy.MaxAttempts, stale, job.ClaimedBy, job.HeartbeatAt, ownerGone);
        job.LastError = reason.Truncate(2000);
        if (failure.Requeued)
        {
            job.Status = JobStatus.Queued;
            job.RunAfter = now + policy.RetryDelay(job.Attempts);
            job.ClaimedBy = null;
        }
        else
        {
            End(job, JobStatus.Failed, now);
        }

        JobMetrics.Failed(kind.Name, failure);
        return failure;
    }

    /// <summary>Marks the owner's running job succeeded (for kinds whose work records nothing else). False when the claim was lost.</summary>
    public async Task<bool> CompleteAsync(Guid jobId, string owner, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        return await db.Database.ExecuteSqlAsync(
            $"""
            UPDATE jobs SET status = 'Succeeded', completed_at = {now}
            WHERE id = {jobId} AND claimed_by = {owner} AND status = 'Running'
            """, ct) == 1;
    }

    /// <summary>
    /// The one catch-and-fail path: the owner's worker failed (or its instance is shutting down). Ends the job per the
    /// kind's retry policy and runs the kind's failure step in the same transaction. Null when the claim was lost.
    /// </summary>
    public async Task<JobFailure?> FailAsync(IJobKind kind, Guid jobId, string owner, string reason, bool retry = true, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var job = await LockOwnedAsync(db, jobId, owner, ct);
        if (job is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var tx = new JobTransaction(db, job, now);
        var failure = Fail(kind, job, reason, now, retry: retry);
        await kind.FailedAsync(tx, failure, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await tx.RunAfterCommitAsync(ct);
        return failure;
    }

    /// <summary>
    /// The one stale sweep, for one kind: running jobs whose heartbeat is older than the kind's stale period, or older than
    /// <see cref="DeadOwnerGrace"/> when their worker's process is visibly gone (<see cref="JobOwner.IsDeadOnThisHost"/>), are re-queued
    /// or failed per the kind's policy, with the kind's failure step in the same transaction.
    /// </summary>
    public async Task<IReadOnlyList<SweptJob>> SweepAsync(IJobKind kind, Func<string, bool>? ownerIsDead = null, CancellationToken ct = default)
    {
        ownerIsDead ??= JobOwner.IsDeadOnThisHost;
        var now = clock.GetUtcNow();
        var staleAfter = TimeSpan.FromSeconds(PolicyFor(kind).StaleAfterSeconds);
        var soonest = now - (staleAfter < DeadOwnerGrace ? staleAfter : DeadOwnerGrace);
        List<(Guid Id, string Owner, DateTimeOffset Heartbeat)> candidates;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            candidates = (await db.Jobs.AsNoTracking()
                    .Where(j => j.Kind == kind.Name && j.Status == JobStatus.Running && j.HeartbeatAt < soonest && j.ClaimedBy != null)
                    .Select(j => new { j.Id, j.ClaimedBy, j.HeartbeatAt }).ToListAsync(ct))
                .Select(j => (j.Id, j.ClaimedBy!, j.HeartbeatAt!.Value)).ToList();
        }

        var swept = new List<SweptJob>();
        foreach (var (id, owner, heartbeat) in candidates)
        {
            var stale = now - heartbeat > staleAfter;
            var gone = !stale && ownerIsDead(owner);
            if (!stale && !gone)
            {
                continue;
            }

            await using var db = await contextFactory.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // Still the same claim and the same beat (it did not wake up meanwhile), and no other sweeper on it.
            var job = (await db.Jobs.FromSql(
                    $"""
                    SELECT * FROM jobs WHERE id = {id} AND status = 'Running' AND claimed_by = {owner} AND heartbeat_at = {heartbeat}
                    FOR UPDATE SKIP LOCKED
                    """)
                .ToListAsync(ct)).FirstOrDefault();
            if (job is null)
            {
                continue;
            }

            var tx = new JobTransaction(db, job, now);
            var processGone = gone || ownerIsDead(owner);
            var failure = Fail(kind, job, kind.StaleReason(owner, heartbeat, processGone), now, stale: true, ownerGone: processGone);
            await kind.FailedAsync(tx, failure, ct);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            await tx.RunAfterCommitAsync(ct);
            logger.LogWarning("Swept {Kind} job {JobId} of {Owner}: {Reason} ({Outcome})", kind.Name, id, owner, failure.Reason,
                failure.Requeued ? "queued again" : "failed");
            swept.Add(new SweptJob(id, job.SubjectId, failure, tx.Detail));
        }

        return swept;
    }

    /// <summary>Queued and running jobs per kind (the operators' queue depth).</summary>
    public async Task<IReadOnlyList<QueueDepth>> DepthAsync(IEnumerable<string> kinds, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var rows = await db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
            .GroupBy(j => j.Kind)
            .Select(g => new QueueDepth(g.Key, g.Count(j => j.Status == JobStatus.Queued && j.RunAfter <= now),
                g.Count(j => j.Status == JobStatus.Queued && j.RunAfter > now), g.Count(j => j.Status == JobStatus.Running)))
            .ToListAsync(ct);
        // Every known kind has its series, 0 when idle: a gauge that vanishes reads as "no data", not as "empty queue".
        var idle = kinds.Except(rows.Select(r => r.Kind)).Select(k => new QueueDepth(k, 0, 0, 0));
        return [.. rows, .. idle];
    }

    /// <summary>Deletes finished jobs older than <see cref="JobsOptions.KeepFinishedDays"/>, a batch at a time.</summary>
    public static async Task<int> DeleteFinishedAsync(ApplicationDbContext db, DateTimeOffset before, int batch, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync(
            $"""
            DELETE FROM jobs WHERE id IN (
                SELECT id FROM jobs WHERE completed_at < {before} AND status IN ('Succeeded', 'Failed', 'Cancelled') LIMIT {batch})
            """, ct);
}

/// <summary>A job the sweep ended; <see cref="Detail"/> is what the kind's failure step left for the worker.</summary>
public sealed record SweptJob(Guid JobId, Guid? SubjectId, JobFailure Failure, object? Detail);

/// <summary>Jobs of a kind: due now, waiting for a later time (timers, back-offs), and running.</summary>
public sealed record QueueDepth(string Kind, int Due, int Scheduled, int Running);

/// <summary>A worker tried to record work on a job that is no longer its own (recovered, or ended by someone else): it stops.</summary>
public sealed class JobClaimLostException(string message) : InvalidOperationException(message);
