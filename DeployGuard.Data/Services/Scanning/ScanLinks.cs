using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>
/// A git repository scan (seed 02 <c>scan_type = git_repo</c>) runs its secret part as a scan job and, where a git_repo
/// scanner is configured, its dependency part as a part scan (<see cref="Scan.ParentScanId"/>, a ScannerRun job); these
/// keep the scan's status and counts in step with its parts, in each part's own transaction.
/// </summary>
internal static class ScanLinks
{
    public static async Task CompleteLinkedScanAsync(ApplicationDbContext db, ScanJob job, DateTimeOffset now, CancellationToken ct)
    {
        // Locked before they are read: a part finishing at the same time settles after this commits, and sees it.
        await db.Database.ExecuteSqlAsync(
            $"SELECT id FROM scans WHERE scan_job_id = {job.Id} AND status NOT IN ('completed', 'failed') ORDER BY id FOR UPDATE", ct);
        var scans = await db.Scans.Where(s => s.ScanJobId == job.Id && s.Status != ScanState.Completed && s.Status != ScanState.Failed).ToListAsync(ct);
        if (scans.Count == 0)
        {
            return;
        }

        var bySeverity = await db.SecretFindingSightings
            .Where(s => s.JobId == job.Id && !s.Suppressed)
            .Join(db.SecretFindings, s => s.FindingId, f => f.Id, (s, f) => f.Severity)
            .GroupBy(severity => severity)
            .Select(g => new { Severity = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Severity, g => g.Count, ct);
        int Count(string severity) => bySeverity.TryGetValue(severity, out var n) ? n : 0;
        foreach (var scan in scans)
        {
            scan.Scanner = "deployguard";
            scan.SecretCount = job.TotalSecretsFound;
            scan.FindingsCount += job.TotalSecretsFound;
            scan.CriticalCount += Count("critical");
            scan.HighCount += Count("high");
            scan.MediumCount += Count("medium");
            scan.LowCount += Count("low");
            scan.InfoCount += Count("info");
            scan.ResultJson = System.Text.Json.JsonSerializer.Serialize(new
            {
                secret_scan = new { job_id = job.Id, secrets = job.TotalSecretsFound, suppressed = job.SuppressedCount, commits = job.CommitsTotal },
            });
            // Its dependency part (if any) may still run: the scan ends with its last part.
            var parts = await db.Scans.Where(p => p.ParentScanId == scan.Id).Select(p => new PartState(p.Status, p.ErrorMessage)).ToListAsync(ct);
            Settle(scan, parts, now);
        }
    }

    /// <summary>
    /// A part of a git repository scan (its dependency scanner's run) ended as <paramref name="part"/> says (not saved yet):
    /// the parent scan ends too when its secret part and every other part have ended, completed when all completed,
    /// failed naming the part that failed. In the part's transaction; the parent row is locked first, so a secret part
    /// ending at the same time settles after this commits and sees it.
    /// </summary>
    public static async Task SettleParentAsync(ApplicationDbContext db, Scan part, DateTimeOffset now, CancellationToken ct)
    {
        if (part.ParentScanId is not { } parentId)
        {
            return;
        }

        await db.Database.ExecuteSqlAsync($"SELECT id FROM scans WHERE id = {parentId} FOR UPDATE", ct);
        var parent = await db.Scans.FirstOrDefaultAsync(s => s.Id == parentId, ct);
        if (parent is null)
        {
            return;
        }

        // As committed now, not as this context may have read it before the lock.
        await db.Entry(parent).ReloadAsync(ct);
        if (parent.Status is ScanState.Completed or ScanState.Failed)
        {
            return;
        }

        var secretDone = parent.ScanJobId is not { } jobId
                         || await db.ScanJobs.AnyAsync(j => j.Id == jobId && (j.Status == ScanStatus.Completed || j.Status == ScanStatus.Failed), ct);
        if (!secretDone)
        {
            return;
        }

        var parts = await db.Scans.Where(p => p.ParentScanId == parentId && p.Id != part.Id).Select(p => new PartState(p.Status, p.ErrorMessage)).ToListAsync(ct);
        parts.Add(new PartState(part.Status, part.ErrorMessage));
        Settle(parent, parts, now);
    }

    private sealed record PartState(ScanState Status, string? Error);

    private static void Settle(Scan scan, IReadOnlyList<PartState> parts, DateTimeOffset now)
    {
        if (parts.Any(p => p.Status is ScanState.Pending or ScanState.Running))
        {
            scan.Status = ScanState.Running;
            return;
        }

        scan.CompletedAt = now;
        scan.DurationMs = (long)(now - scan.StartedAt).TotalMilliseconds;
        if (parts.FirstOrDefault(p => p.Status == ScanState.Failed) is { } failed)
        {
            scan.Status = ScanState.Failed;
            scan.ErrorMessage = ("The dependency scan failed: " + (failed.Error ?? "no reason given")).Truncate(1000);
            return;
        }

        scan.Status = ScanState.Completed;
    }

    public static async Task FailLinkedScanAsync(ApplicationDbContext db, ScanJob job, DateTimeOffset now, CancellationToken ct) =>
        await db.Scans.Where(s => s.ScanJobId == job.Id && s.Status != ScanState.Completed && s.Status != ScanState.Failed)
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, ScanState.Failed)
                .SetProperty(x => x.CompletedAt, now)
                .SetProperty(x => x.ErrorMessage, "The secret scan failed: " + (job.ErrorMessage ?? "no reason given")), ct);

    public static async Task StartLinkedScanAsync(ApplicationDbContext db, Guid jobId, CancellationToken ct) =>
        await db.Scans.Where(s => s.ScanJobId == jobId && s.Status == ScanState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, ScanState.Running), ct);
}
