using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>
/// The deployment security gate's view of secret scans: the latest completed scan linked to the release's commit
/// (by service, or by repository URL for uploads without a service). Findings that triage resolved — false
/// positives, accepted risks, fixed — and suppressed ones do not count.
/// </summary>
public sealed class StoredSecretFindings(IDbContextFactory<ApplicationDbContext> contextFactory) : ISecurityFindingsSource
{
    public async Task<FindingsSummary?> FindAsync(Guid serviceId, string? repositoryUrl, string commitSha, CancellationToken ct = default)
    {
        var commit = commitSha.Trim().ToLowerInvariant();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        // Either SHA may be abbreviated: match when one is a prefix of the other.
        var scan = await db.ScanJobs.AsNoTracking()
            .Where(j => j.Status == ScanStatus.Completed && j.CommitSha != null
                        && (j.ServiceId == serviceId || (repositoryUrl != null && j.SourceUrl == repositoryUrl))
                        && (EF.Functions.Like(commit, j.CommitSha + "%") || EF.Functions.Like(j.CommitSha, commit + "%")))
            .OrderByDescending(j => j.CompletedAt)
            .Select(j => new { j.Id, j.CompletedAt })
            .FirstOrDefaultAsync(ct);
        if (scan is null)
        {
            return null;
        }

        var counts = await db.SecretFindings.AsNoTracking()
            .Where(f => db.SecretFindingSightings.Any(s => s.JobId == scan.Id && s.FindingId == f.Id) && !f.Suppressed
                        && f.Status != FindingStatus.FalsePositive && f.Status != FindingStatus.AcceptedRisk && f.Status != FindingStatus.Fixed)
            .GroupBy(f => f.Severity)
            .Select(g => new { Severity = g.Key, Count = g.Count() })
            .ToListAsync(ct);
        int Count(params string[] severities) => counts.Where(c => severities.Contains(c.Severity)).Sum(c => c.Count);
        return new FindingsSummary(Count("critical"), Count("high"), Count("medium"), Count("low", "info"),
            $"secret scan {scan.Id.ToString()[..8]} of {scan.CompletedAt:yyyy-MM-dd HH:mm} UTC");
    }
}
