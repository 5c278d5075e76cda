using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
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
/// The work queue of scan and clean jobs in PostgreSQL. Workers on any number of instances claim rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, keep a heartbeat while they work, and rows whose heartbeat went stale (the
/// instance died) are failed with a clear reason instead of staying "scanning" forever.
/// </summary>
public sealed class ScanJobQueue(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock, SecretHashKey hashKey)
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(2);

    public async Task<ClaimedScan?> ClaimScanAsync(string workerId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var claimed = await db.Database.SqlQuery<Guid>($"""
            UPDATE scan_jobs SET status = 'Scanning', claimed_by = {workerId}, heartbeat_at = {now}, started_at = {now}
            WHERE id = (SELECT id FROM scan_jobs WHERE status = 'Pending' ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id AS "Value"
            """).ToListAsync(ct);
        if (claimed.Count == 0)
        {
            return null;
        }

        await ScanLinks.StartLinkedScanAsync(db, claimed[0], ct);
        return await db.ScanJobs.AsNoTracking().Where(j => j.Id == claimed[0])
            .Select(j => new ClaimedScan(j.Id, j.SourcePlatform, j.SourceUrl, j.Branch, j.EncryptedAccessToken))
            .FirstAsync(ct);
    }

    public async Task ReportProgressAsync(Guid jobId, int commitsDone, int commitsTotal, int filesDone, int filesTotal, int found,
        CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        await db.ScanJobs.Where(j => j.Id == jobId && j.Status == ScanStatus.Scanning).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.CommitsDone, commitsDone).SetProperty(j => j.CommitsTotal, commitsTotal)
            .SetProperty(j => j.FilesDone, filesDone).SetProperty(j => j.FilesTotal, filesTotal)
            .SetProperty(j => j.TotalSecretsFound, found).SetProperty(j => j.HeartbeatAt, now), ct);
    }

    /// <summary>
    /// Stores a batch of findings as sightings of the repository's findings (one row per secret and file, however
    /// many scans see it); <c>first_seen_at</c> stays with the first scan that found it.
    /// </summary>
    public async Task AddFindingsAsync(Guid jobId, IReadOnlyList<SecretFinding> findings, CancellationToken ct = default)
    {
        if (findings.Count == 0)
        {
            return;
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var scope = SecretFindingStore.RepositoryScope(await db.ScanJobs.Where(j => j.Id == jobId).Select(j => j.SourceUrl).FirstAsync(ct));
        await SecretFindingStore.LockScopeAsync(db, scope, ct);
        // The scanner hands over SHA-256; RecordAsync stores only the keyed hash.
        await SecretFindingStore.RecordAsync(db, hashKey, jobId, scope, findings, clock.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task CompleteScanAsync(Guid jobId, int commits, int files, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var job = await db.ScanJobs.FirstAsync(j => j.Id == jobId, ct);
        var now = clock.GetUtcNow();
        var scope = SecretFindingStore.RepositoryScope(job.SourceUrl);
        await SecretFindingStore.LockScopeAsync(db, scope, ct);
        job.Status = ScanStatus.Completed;
        job.CommitsDone = job.CommitsTotal = commits;
        job.FilesDone = job.FilesTotal = Math.Max(files, job.FilesTotal);
        job.TotalSecretsFound = await db.SecretFindingSightings.CountAsync(f => f.JobId == jobId && !f.Suppressed, ct);
        job.SuppressedCount = await db.SecretFindingSightings.CountAsync(f => f.JobId == jobId && f.Suppressed, ct);
        job.CompletedAt = now;
        job.HeartbeatAt = now;
        job.DurationMs = (long)(now - (job.StartedAt ?? now)).TotalMilliseconds;
        // Only a scan of every branch saw all of history: secrets it no longer finds were cleaned out of it.
        var fixedCount = job.Branch is null ? await SecretFindingStore.FixMissingAsync(db, jobId, scope, now, ct) : 0;
        audit.Add(db, AuditActor.System, AuditActions.ScanCompleted, ResourceTypes.Scan, jobId.ToString(),
            new { job.SourceUrl, secrets = job.TotalSecretsFound, suppressed = job.SuppressedCount, commits, job.DurationMs, fixedFindings = fixedCount });
        await ScanLinks.CompleteLinkedScanAsync(db, job, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task FailScanAsync(Guid jobId, string error, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var job = await db.ScanJobs.FirstAsync(j => j.Id == jobId, ct);
        var now = clock.GetUtcNow();
        job.Status = ScanStatus.Failed;
        job.ErrorMessage = error.Truncate(2000);
        job.CompletedAt = now;
        job.DurationMs = (long)(now - (job.StartedAt ?? now)).TotalMilliseconds;
        audit.Add(db, AuditActor.System, AuditActions.ScanFailed, ResourceTypes.Scan, jobId.ToString(), new { job.SourceUrl, error = job.ErrorMessage });
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ScanLinks.FailLinkedScanAsync(db, job, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task<ClaimedClean?> ClaimCleanAsync(string workerId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var claimed = await db.Database.SqlQuery<Guid>($"""
            UPDATE clean_jobs SET status = 'Scanning', claimed_by = {workerId}, heartbeat_at = {now}, started_at = {now}
            WHERE id = (SELECT id FROM clean_jobs WHERE status = 'Pending' ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id AS "Value"
            """).ToListAsync(ct);
        if (claimed.Count == 0)
        {
            return null;
        }

        var clean = await db.CleanJobs.AsNoTracking().Where(c => c.Id == claimed[0])
            .Select(c => new { c.Id, c.ScanJobId, c.ScanJob!.SourcePlatform, c.ScanJob.SourceUrl, c.ScanJob.Branch, c.ScanJob.EncryptedAccessToken })
            .FirstAsync(ct);
        var selected = await db.SecretFindings.AsNoTracking()
            .Where(f => f.SelectedForCleaning && db.SecretFindingSightings.Any(s => s.JobId == clean.ScanJobId && s.FindingId == f.Id))
            .Select(f => new { f.Id, f.SecretValueHash }).ToListAsync(ct);
        return new ClaimedClean(clean.Id, clean.ScanJobId, clean.SourcePlatform, clean.SourceUrl, clean.Branch, clean.EncryptedAccessToken,
            selected.Select(s => (s.Id, s.SecretValueHash)).ToList());
    }

    public async Task HeartbeatCleanAsync(Guid cleanId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        await db.CleanJobs.Where(c => c.Id == cleanId).ExecuteUpdateAsync(s => s.SetProperty(c => c.HeartbeatAt, now), ct);
    }

    /// <summary>
    /// Stores the cleaned bundle (streamed from <paramref name="bundle"/> in 1 MiB pieces, so memory stays flat), marks the
    /// cleaning completed and audits <c>secret_cleaned</c> for every finding whose value was removed: one transaction.
    /// </summary>
    public async Task CompleteCleanAsync(Guid cleanId, Stream bundle, CleaningSummary summary, IReadOnlyCollection<Guid> cleanedFindingIds,
        CancellationToken ct = default)
    {
        var (replacements, remaining) = (summary.Replacements, summary.RemainingSelected);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var clean = await db.CleanJobs.FirstAsync(c => c.Id == cleanId, ct);
        // A cleaning re-run after a crash starts its bundle afresh.
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

        var now = clock.GetUtcNow();
        clean.Status = ScanStatus.Completed;
        clean.BundleSize = bundleSize;
        clean.ReplacementCount = (int)Math.Min(int.MaxValue, replacements);
        clean.RemainingAfterRescan = remaining;
        clean.SecretsSelected = summary.SecretsSelected;
        clean.SecretsCleaned = summary.SecretsCleaned;
        clean.CommitsChanged = summary.CommitsChanged;
        clean.OtherFindingsRemaining = summary.RescanFindings.Count(f => !f.Selected && !f.Suppressed);
        clean.RescanFindings = System.Text.Json.JsonSerializer.Serialize(summary.RescanFindings.Take(CleaningSummary.MaxStoredFindings));
        clean.CompletedAt = now;
        var actor = new AuditActor(clean.RequestedById, clean.RequestedByName);
        foreach (var findingId in cleanedFindingIds)
        {
            audit.Add(db, actor, AuditActions.SecretCleaned, ResourceTypes.Finding, findingId.ToString(), new { cleanJobId = cleanId, clean.ScanJobId });
        }

        audit.Add(db, actor, AuditActions.CleanCompleted, ResourceTypes.Scan, clean.ScanJobId.ToString(),
            new
            {
                cleanJobId = cleanId, replacements, remaining, findings = cleanedFindingIds.Count, bundleSize, secrets = summary.SecretsCleaned,
                commits = summary.CommitsChanged, otherFindingsRemaining = clean.OtherFindingsRemaining,
            });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task FailCleanAsync(Guid cleanId, string error, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var clean = await db.CleanJobs.FirstAsync(c => c.Id == cleanId, ct);
        clean.Status = ScanStatus.Failed;
        clean.ErrorMessage = error.Truncate(2000);
        clean.CompletedAt = clock.GetUtcNow();
        audit.Add(db, new AuditActor(clean.RequestedById, clean.RequestedByName), AuditActions.CleanFailed, ResourceTypes.Scan, clean.ScanJobId.ToString(),
            new { cleanJobId = cleanId, error = clean.ErrorMessage });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Fails jobs whose worker stopped sending heartbeats (the instance crashed or was killed).</summary>
    public async Task<int> FailStaleAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var cutoff = clock.GetUtcNow() - StaleAfter;
        var stale = await db.ScanJobs.Where(j => j.Status == ScanStatus.Scanning && j.HeartbeatAt < cutoff).Select(j => j.Id).ToListAsync(ct);
        foreach (var id in stale)
        {
            await FailScanAsync(id, "The worker running this scan stopped (its instance went away). Start the scan again.", ct);
        }

        var staleCleans = await db.CleanJobs.Where(c => c.Status == ScanStatus.Scanning && c.HeartbeatAt < cutoff).Select(c => c.Id).ToListAsync(ct);
        foreach (var id in staleCleans)
        {
            await FailCleanAsync(id, "The worker running this cleaning stopped (its instance went away). Request it again.", ct);
        }

        return stale.Count + staleCleans.Count;
    }
}
