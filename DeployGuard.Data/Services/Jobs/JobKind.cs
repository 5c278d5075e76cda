using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;

namespace DeployGuard.Data.Services.Jobs;

/// <summary>What the queue and the options validator know of every kind.</summary>
public interface IJobKind
{
    /// <summary>Stored in <c>jobs.kind</c> and used in configuration keys (<c>Jobs:Kinds:&lt;Name&gt;</c>): PascalCase, stable.</summary>
    string Name { get; }

    /// <summary>Concurrency, stale period, attempts and back-off unless configuration says otherwise.</summary>
    JobKindPolicy Defaults { get; }

    /// <summary>
    /// Runs in the transaction that ends a job without success, after the job row is locked and its new state set: its
    /// worker failed, stopped heartbeating (<see cref="JobFailure.Stale"/>), or the instance shut down. Put the subject in
    /// the matching state: failed, or back to waiting when <see cref="JobFailure.Requeued"/>.
    /// </summary>
    Task FailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct);

    /// <summary>What people are told when the sweep finds the job's worker gone.</summary>
    string StaleReason(string owner, DateTimeOffset lastHeartbeat, bool processGone);
}

/// <summary>
/// One kind of claimable work, its data side: what claiming a job does to the job's subject (in the claiming
/// transaction) and what a failure does to it. The work itself runs in a <c>JobWorker&lt;TWork&gt;</c> (DeployGuard.Web).
/// </summary>
/// <typeparam name="TWork">What the worker needs to do the job (read in the claiming transaction).</typeparam>
public abstract class JobKind<TWork> : IJobKind where TWork : class
{
    public abstract string Name { get; }

    public virtual JobKindPolicy Defaults => JobKindPolicy.Standard;

    /// <summary>
    /// Runs in the claiming transaction, once the job row is locked and marked running for <see cref="JobTransaction.Owner"/>:
    /// move the subject to its running state and return what the worker needs. Return null when nothing is left for a
    /// worker (the job then ends as succeeded in this transaction), after <see cref="JobTransaction.Cancel"/> when the
    /// subject no longer needs it, or after <see cref="JobTransaction.Defer"/> when it is not due yet.
    /// </summary>
    public abstract Task<TWork?> ClaimAsync(JobTransaction tx, CancellationToken ct);

    public virtual Task FailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct) => Task.CompletedTask;

    public virtual string StaleReason(string owner, DateTimeOffset lastHeartbeat, bool processGone) =>
        $"The worker {owner} stopped responding (last heartbeat {lastHeartbeat.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC" +
        (processGone ? ", its process is gone" : "") + ").";
}

/// <summary>Why a job ended without success, as its kind's <see cref="IJobKind.FailedAsync"/> sees it.</summary>
/// <param name="Reason">Said to people (stored on the job and, usually, on its subject).</param>
/// <param name="Requeued">The job waits for another attempt (after a back-off) instead of having failed for good.</param>
/// <param name="Stale">Its worker stopped heartbeating (crashed, killed, cut off).</param>
/// <param name="Owner">The worker that held it.</param>
/// <param name="LastHeartbeat">The worker's last sign of life.</param>
/// <param name="OwnerProcessGone">The worker ran on this host and its process no longer exists.</param>
public sealed record JobFailure(string Reason, bool Requeued, bool Stale, string? Owner, DateTimeOffset? LastHeartbeat, bool OwnerProcessGone);

/// <summary>
/// The transaction a kind's claim or failure step runs in: the job row is locked, the context is open on the same
/// connection, and everything saved commits (or not) together with the job's new state.
/// </summary>
public sealed class JobTransaction
{
    private readonly List<Func<CancellationToken, Task>> _afterCommit = [];

    internal JobTransaction(ApplicationDbContext db, Job job, DateTimeOffset now)
    {
        Db = db;
        Job = job;
        Now = now;
    }

    public ApplicationDbContext Db { get; }

    /// <summary>The job (tracked: its changes are saved with the transaction).</summary>
    public Job Job { get; }

    public DateTimeOffset Now { get; }

    /// <summary>The worker that claimed (or held) the job.</summary>
    public string Owner => Job.ClaimedBy ?? "";

    /// <summary>Something a failure step hands back to the worker that swept it (e.g. a process group to kill).</summary>
    public object? Detail { get; set; }

    internal JobStatus? EndedAs { get; private set; }

    internal DateTimeOffset? DeferredUntil { get; private set; }

    /// <summary>Runs once the transaction has committed (publish events here, never before).</summary>
    public void AfterCommit(Func<CancellationToken, Task> action) => _afterCommit.Add(action);

    /// <summary>The subject does not need this job any more (cancelled, moved on): it ends as cancelled.</summary>
    public void Cancel(string reason)
    {
        EndedAs = JobStatus.Cancelled;
        Job.LastError = reason.Truncate(2000);
    }

    /// <summary>Not due yet: back to the queue until then, without counting the claim as an attempt.</summary>
    public void Defer(DateTimeOffset until) => DeferredUntil = until;

    internal async Task RunAfterCommitAsync(CancellationToken ct)
    {
        foreach (var action in _afterCommit)
        {
            await action(ct);
        }
    }
}

/// <summary>A claimed job and what its worker needs; <see cref="Work"/> is null when the claim step finished the job itself.</summary>
public sealed record JobClaim<TWork>(Guid JobId, string Kind, Guid? SubjectId, string Owner, int Attempt, TWork? Work) where TWork : class;

/// <summary>The work type of kinds whose claim step does everything (starting a deployment, a timer): no worker code runs.</summary>
public sealed class NoWork
{
    private NoWork()
    {
    }
}
