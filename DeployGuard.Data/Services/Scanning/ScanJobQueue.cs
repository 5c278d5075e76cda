using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>A claimed scan job, as the worker needs it.</summary>
public sealed record ClaimedScan(Guid Id, SourcePlatform SourcePlatform, string SourceUrl, string? Branch, string? EncryptedAccessToken);

/// <summary>What a cleaning did and what its re-scan still found.</summary>
public sealed record CleaningSummary(long Replacements, int RemainingSelected, int SecretsSelected, int SecretsCleaned, int CommitsChanged,
    IReadOnlyList<RescanFinding> RescanFindings)
{
    /// <summary>The proof lists at most this many findings (the counts are always complete).</summary>
    public const int MaxStoredFindings = 500;
}

/// <summary>A claimed cleaning, with the (keyed) hashes of the findings selected for it.</summary>
public sealed record ClaimedClean(Guid Id, Guid ScanJobId, SourcePlatform SourcePlatform, string SourceUrl, string? Branch, string? EncryptedAccessToken,
    IReadOnlyList<(Guid FindingId, string Hash)> Selected);

/// <summary>
/// Scans and cleanings on the job queue (kinds <see cref="Scans"/> and <see cref="Cleanings"/>): what claiming,
/// progress, findings, completion and failure do to <c>scan_jobs</c> and <c>clean_jobs</c>. Every write of a worker is
/// guarded by its claim (the job still running and its own), so a worker that lost its claim cannot overwrite the
/// recovery's verdict, and completion and failure never overwrite each other.
/// </summary>
public sealed class ScanJobQueue
{
    public const string ScanJobKind = "Scan";
    public const string CleanJobKind = "Clean";

    private readonly IDbContextFactory<ApplicationDbContext> _contextFactory;
    private readonly AuditWriter _audit;
    private readonly EventBus _bus;
    private readonly JobQueue _jobs;
    private readonly TimeProvider _clock;
    private readonly SecretHashKey _hashKey;

    public ScanJobQueue(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, EventBus bus, JobQueue jobs, TimeProvider clock,
        SecretHashKey hashKey)
    {
        _hashKey = hashKey;
        _contextFactory = contextFactory;
        _audit = audit;
        _bus = bus;
        _jobs = jobs;
        _clock = clock;
        Scans = new ScanJobs(this);
        Cleanings = new CleanJobs(this);
    }

    public JobKind<ClaimedScan> Scans { get; }

    public JobKind<ClaimedClean> Cleanings { get; }

    /// <summary>Claims the oldest pending scan for <paramref name="owner"/>, the way the scan workers do (seed-demo runs one itself).</summary>
    public async Task<(JobClaim<ClaimedScan> Claim, ClaimedScan Scan)?> ClaimScanAsync(string owner, CancellationToken ct = default)
    {
        while (await _jobs.ClaimAsync(Scans, owner, ct) is { } claim)
        {
            if (claim.Work is { } scan)
            {
                return (claim, scan);
            }
        }

        return null;
    }

    /// <summary>Counters of a running scan (the worker's owner must still hold it); announced on the bus.</summary>
    public async Task ReportProgressAsync(Guid jobId, string owner, int commitsDone, int commitsTotal, int filesDone, int filesTotal, int found,
        long bytes, CancellationToken ct = default)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        var updated = await db.ScanJobs.Where(j => j.Id == jobId && j.Status == ScanStatus.Scanning && j.ClaimedBy == owner).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.CommitsDone, commitsDone).SetProperty(j => j.CommitsTotal, commitsTotal)
            .SetProperty(j => j.FilesDone, filesDone).SetProperty(j => j.FilesTotal, filesTotal)
            .SetProperty(j => j.TotalSecretsFound, found), ct);
        if (updated == 1)
        {
            await _bus.PublishAsync(Topics.Scans, new ScanEvent(ScanEventKind.Progress, jobId)
            {
                Status = ScanStatus.Scanning, CommitsDone = commitsDone, CommitsTotal = commitsTotal, FilesDone = filesDone, FilesTotal = filesTotal,
                TotalSecretsFound = found, BytesScanned = bytes,
            }, ct);
        }
    }

    /// <summary>
    /// Stores a batch of findings as sightings of the repository's findings (one row per secret and file, however
    /// many scans see it); <c>first_seen_at</c> stays with the first scan that found it.
    /// </summary>
    public async Task AddFindingsAsync(Guid jobId, string owner, IReadOnlyList<SecretFinding> findings, CancellationToken ct = default)
    {
        if (findings.Count == 0)
        {
            return;
        }

        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var sourceUrl = await db.ScanJobs.Where(j => j.Id == jobId && j.Status == ScanStatus.Scanning && j.ClaimedBy == owner)
            .Select(j => j.SourceUrl).FirstOrDefaultAsync(ct) ?? throw new JobClaimLostException($"Scan {jobId} is no longer claimed by {owner}.");
        var scope = SecretFindingStore.RepositoryScope(sourceUrl);
        await SecretFindingStore.LockScopeAsync(db, scope, ct);
        // The scanner hands over SHA-256; RecordAsync stores only the keyed hash.
        await SecretFindingStore.RecordAsync(db, _hashKey, jobId, scope, findings, _clock.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await _bus.PublishAsync(Topics.Findings, new FindingsEvent(FindingsEventKind.Added, jobId) { Count = findings.Count }, ct);
    }

    /// <summary>Marks the owner's scan completed. False when the claim was lost (the scan was recovered as failed meanwhile).</summary>
    public async Task<bool> CompleteScanAsync(Guid jobId, string owner, int commits, int files, CancellationToken ct = default)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await JobQueue.LockOwnedAsync(db, ScanJobKind, jobId, owner, ct) is not { } claim)
        {
            return false;
        }

        var job = await db.ScanJobs.FirstAsync(j => j.Id == jobId, ct);
        var now = _clock.GetUtcNow();
        var scope = SecretFindingStore.RepositoryScope(job.SourceUrl);
        await SecretFindingStore.LockScopeAsync(db, scope, ct);
        job.Status = ScanStatus.Completed;
        job.CommitsDone = job.CommitsTotal = commits;
        job.FilesDone = job.FilesTotal = Math.Max(files, job.FilesTotal);
        job.TotalSecretsFound = await db.SecretFindingSightings.CountAsync(f => f.JobId == jobId && !f.Suppressed, ct);
        job.SuppressedCount = await db.SecretFindingSightings.CountAsync(f => f.JobId == jobId && f.Suppressed, ct);
        job.CompletedAt = now;
        job.DurationMs = (long)(now - (job.StartedAt ?? now)).TotalMilliseconds;
        // Only a scan of every branch saw all of history: secrets it no longer finds were cleaned out of it.
        var fixedCount = job.Branch is null ? await SecretFindingStore.FixMissingAsync(db, jobId, scope, now, ct) : 0;
        JobQueue.End(claim, JobStatus.Succeeded, now);
        _audit.Add(db, AuditActor.System, AuditActions.ScanCompleted, ResourceTypes.Scan, jobId.ToString(),
            new { job.SourceUrl, secrets = job.TotalSecretsFound, suppressed = job.SuppressedCount, commits, job.DurationMs, fixedFindings = fixedCount });
        await ScanLinks.CompleteLinkedScanAsync(db, job, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await _bus.PublishAsync(Topics.Scans, ScanEvent.Of(ScanEventKind.Completed, job), ct);
        return true;
    }

    /// <summary>
    /// Stores the cleaned bundle (streamed from <paramref name="bundle"/> in 1 MiB pieces, so memory stays flat), marks the
    /// cleaning completed and audits <c>secret_cleaned</c> for every finding whose value was removed: one transaction,
    /// guarded by the owner's claim. False when the claim was lost.
    /// </summary>
    public async Task<bool> CompleteCleanAsync(Guid cleanId, string owner, Stream bundle, CleaningSummary summary,
        IReadOnlyCollection<Guid> cleanedFindingIds, CancellationToken ct = default)
    {
        var (replacements, remaining) = (summary.Replacements, summary.RemainingSelected);
        await using var db = await _contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await JobQueue.LockOwnedAsync(db, CleanJobKind, cleanId, owner, ct) is not { } claim)
        {
            return false;
        }

        var clean = await db.CleanJobs.FirstAsync(c => c.Id == cleanId, ct);
        // A cleaning run again after a failure starts its bundle afresh.
        await db.CleanBundleChunks.Where(c => c.CleanJobId == cleanId).ExecuteDeleteAsync(ct);
        var buffer = new byte[CleanBundleChunk.Size];
        long bundleSize = 0;
        for (var seq = 0; ; seq++)
        {
            var read = await bundle.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
            if (read == 0)
            {
                break;
            }

            var data = read == buffer.Length ? buffer : buffer[..read];
            await db.Database.ExecuteSqlAsync($"INSERT INTO clean_bundle_chunks (clean_job_id, seq, data) VALUES ({cleanId}, {seq}, {data})", ct);
            bundleSize += read;
        }

        var now = _clock.GetUtcNow();
        clean.Status = ScanStatus.Completed;
        clean.BundleSize = bundleSize;
        clean.ReplacementCount = (int)Math.Min(int.MaxValue, replacements);
        clean.RemainingAfterRescan = remaining;
        clean.SecretsSelected = summary.SecretsSelected;
        clean.SecretsCleaned = summary.SecretsCleaned;
        clean.CommitsChanged = summary.CommitsChanged;
        clean.OtherFindingsRemaining = summary.RescanFindings.Count(f => !f.Selected && !f.Suppressed);
        clean.RescanFindings = System.Text.Json.JsonSerializer.Serialize(summary.RescanFindings.Take(CleaningSummary.MaxStoredFindings));
        clean.ErrorMessage = null;
        clean.CompletedAt = now;
        JobQueue.End(claim, JobStatus.Succeeded, now);
        var actor = new AuditActor(clean.RequestedById, clean.RequestedByName);
        foreach (var findingId in cleanedFindingIds)
        {
            _audit.Add(db, actor, AuditActions.SecretCleaned, ResourceTypes.Finding, findingId.ToString(), new { cleanJobId = cleanId, clean.ScanJobId });
        }

        _audit.Add(db, actor, AuditActions.CleanCompleted, ResourceTypes.Scan, clean.ScanJobId.ToString(),
            new
            {
                cleanJobId = cleanId, replacements, remaining, findings = cleanedFindingIds.Count, bundleSize, secrets = summary.SecretsCleaned,
                commits = summary.CommitsChanged, otherFindingsRemaining = clean.OtherFindingsRemaining,
            });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await _bus.PublishAsync(Topics.Cleanings, CleaningEvent.Of(CleaningEventKind.Completed, clean), ct);
        return true;
    }

    // ---- the kinds' steps, in the queue's claiming and failing transactions ----

    private async Task<ClaimedScan?> ClaimScanAsync(JobTransaction tx, CancellationToken ct)
    {
        var job = await tx.Db.ScanJobs.FirstOrDefaultAsync(j => j.Id == tx.Job.SubjectId, ct);
        if (job is null || job.Status != ScanStatus.Pending)
        {
            tx.Cancel("The scan is no longer pending.");
            return null;
        }

        job.Status = ScanStatus.Scanning;
        job.ClaimedBy = tx.Owner;
        job.StartedAt = tx.Now;
        await ScanLinks.StartLinkedScanAsync(tx.Db, job.Id, ct);
        tx.AfterCommit(c => _bus.PublishAsync(Topics.Scans, ScanEvent.Of(ScanEventKind.Started, job), c));
        return new ClaimedScan(job.Id, job.SourcePlatform, job.SourceUrl, job.Branch, job.EncryptedAccessToken);
    }

    private async Task ScanFailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct)
    {
        var job = await tx.Db.ScanJobs.FirstOrDefaultAsync(j => j.Id == tx.Job.SubjectId, ct);
        if (job is null || job.Status != ScanStatus.Scanning || job.ClaimedBy != failure.Owner)
        {
            return;
        }

        if (failure.Requeued)
        {
            // Allowed by an operator (Jobs:Kinds:Scan:MaxAttempts > 1): the next attempt finds everything again.
            // Its sightings go; findings it created stay and are sighted again (their first-seen time is kept).
            await tx.Db.SecretFindingSightings.Where(f => f.JobId == job.Id).ExecuteDeleteAsync(ct);
            job.Status = ScanStatus.Pending;
            job.ClaimedBy = null;
            job.CommitsDone = job.FilesDone = job.TotalSecretsFound = 0;
            job.ErrorMessage = $"Will be tried again: {failure.Reason}".Truncate(2000);
            tx.AfterCommit(c => _bus.PublishAsync(Topics.Scans, ScanEvent.Of(ScanEventKind.Queued, job), c));
            return;
        }

        job.Status = ScanStatus.Failed;
        job.ErrorMessage = failure.Reason.Truncate(2000);
        job.CompletedAt = tx.Now;
        job.DurationMs = (long)(tx.Now - (job.StartedAt ?? tx.Now)).TotalMilliseconds;
        _audit.Add(tx.Db, AuditActor.System, AuditActions.ScanFailed, ResourceTypes.Scan, job.Id.ToString(), new { job.SourceUrl, error = job.ErrorMessage });
        await ScanLinks.FailLinkedScanAsync(tx.Db, job, tx.Now, ct);
        tx.AfterCommit(c => _bus.PublishAsync(Topics.Scans, ScanEvent.Of(ScanEventKind.Failed, job), c));
    }

    private async Task<ClaimedClean?> ClaimCleanAsync(JobTransaction tx, CancellationToken ct)
    {
        var clean = await tx.Db.CleanJobs.Include(c => c.ScanJob).FirstOrDefaultAsync(c => c.Id == tx.Job.SubjectId, ct);
        if (clean is null || clean.Status != ScanStatus.Pending)
        {
            tx.Cancel("The cleaning is no longer pending.");
            return null;
        }

        clean.Status = ScanStatus.Scanning;
        clean.ClaimedBy = tx.Owner;
        clean.StartedAt = tx.Now;
        var selected = await tx.Db.SecretFindings.AsNoTracking()
            .Where(f => f.SelectedForCleaning && tx.Db.SecretFindingSightings.Any(s => s.JobId == clean.ScanJobId && s.FindingId == f.Id))
            .Select(f => new { f.Id, f.SecretValueHash }).ToListAsync(ct);
        tx.AfterCommit(c => _bus.PublishAsync(Topics.Cleanings, CleaningEvent.Of(CleaningEventKind.Started, clean), c));
        var scan = clean.ScanJob!;
        return new ClaimedClean(clean.Id, clean.ScanJobId, scan.SourcePlatform, scan.SourceUrl, scan.Branch, scan.EncryptedAccessToken,
            selected.Select(s => (s.Id, s.SecretValueHash)).ToList());
    }

    private async Task CleanFailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct)
    {
        var clean = await tx.Db.CleanJobs.FirstOrDefaultAsync(c => c.Id == tx.Job.SubjectId, ct);
        if (clean is null || clean.Status != ScanStatus.Scanning || clean.ClaimedBy != failure.Owner)
        {
            return;
        }

        if (failure.Requeued)
        {
            // Rewriting history is repeatable (a fresh clone, the bundle replaced at completion): try again after the back-off.
            clean.Status = ScanStatus.Pending;
            clean.ClaimedBy = null;
            clean.ErrorMessage = $"Attempt {tx.Job.Attempts} failed, trying again: {failure.Reason}".Truncate(2000);
            tx.AfterCommit(c => _bus.PublishAsync(Topics.Cleanings, CleaningEvent.Of(CleaningEventKind.Retrying, clean), c));
            return;
        }

        clean.Status = ScanStatus.Failed;
        clean.ErrorMessage = failure.Reason.Truncate(2000);
        clean.CompletedAt = tx.Now;
        _audit.Add(tx.Db, new AuditActor(clean.RequestedById, clean.RequestedByName), AuditActions.CleanFailed, ResourceTypes.Scan, clean.ScanJobId.ToString(),
            new { cleanJobId = clean.Id, error = clean.ErrorMessage });
        tx.AfterCommit(c => _bus.PublishAsync(Topics.Cleanings, CleaningEvent.Of(CleaningEventKind.Failed, clean), c));
    }

    private sealed class ScanJobs(ScanJobQueue queue) : JobKind<ClaimedScan>
    {
        public override string Name => ScanJobKind;

        // A partial scan has stored findings already; by default a stopped scan fails and people start it again.
        public override JobKindPolicy Defaults { get; } = JobKindPolicy.Standard with { StaleAfterSeconds = 120 };

        public override Task<ClaimedScan?> ClaimAsync(JobTransaction tx, CancellationToken ct) => queue.ClaimScanAsync(tx, ct);

        public override Task FailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct) => queue.ScanFailedAsync(tx, failure, ct);

        public override string StaleReason(string owner, DateTimeOffset lastHeartbeat, bool processGone) =>
            "The worker running this scan stopped (its instance went away). Start the scan again.";
    }

    private sealed class CleanJobs(ScanJobQueue queue) : JobKind<ClaimedClean>
    {
        public override string Name => CleanJobKind;

        public override JobKindPolicy Defaults { get; } = JobKindPolicy.Standard with { StaleAfterSeconds = 120, MaxAttempts = 3, RetryDelaySeconds = 30 };

        public override Task<ClaimedClean?> ClaimAsync(JobTransaction tx, CancellationToken ct) => queue.ClaimCleanAsync(tx, ct);

        public override Task FailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct) => queue.CleanFailedAsync(tx, failure, ct);

        public override string StaleReason(string owner, DateTimeOffset lastHeartbeat, bool processGone) =>
            "The worker running this cleaning stopped (its instance went away).";
    }
}
