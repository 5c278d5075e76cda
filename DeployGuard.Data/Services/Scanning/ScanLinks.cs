using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>
/// A git repository scan (seed 02 <c>scan_type = git_repo</c>) runs its secret part as a scan job; these keep the
/// scan's status and counts in step with that job, in the job's own transaction.
/// </summary>
internal static class ScanLinks
{
    public static async Task CompleteLinkedScanAsync(ApplicationDbContext db, ScanJob job, DateTimeOffset now, CancellationToken ct)
    {
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
            scan.Status = ScanState.Completed;
            scan.CompletedAt = now;
            scan.DurationMs = (long)(now - scan.StartedAt).TotalMilliseconds;
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
        }
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
