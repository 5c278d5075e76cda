using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Scanning.Reports;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>What recording a batch of secrets changed.</summary>
public sealed record SecretMerge(int New, int Unchanged, int Reopened);

/// <summary>
/// The one place secret findings are written, for the built-in scanner, CLI uploads and imported reports alike: one
/// row per secret value and file in a scope (a repository), however many scans see it. A scan that sees a known
/// secret adds a sighting and moves its last-seen time; a fixed one that comes back re-opens. Triage decisions stay
/// with the finding, so marking one false positive covers every scan that saw it.
/// </summary>
public static class SecretFindingStore
{
    public static string RepositoryScope(string sourceUrl) => "repo:" + sourceUrl.Trim();

    /// <summary>
    /// A finding of the engine (or an imported report) as a row; hash, preview and shape only. The hash is still the
    /// scanner's SHA-256 here: <see cref="RecordAsync"/> keys it before anything is stored.
    /// </summary>
    public static SecretFinding ToEntity(Finding finding) => new()
    {
        Id = Guid.CreateVersion7(),
        RuleId = finding.RuleId.Truncate(100),
        SecretType = WireNames.Of(finding.SecretType),
        Severity = WireNames.Of(finding.Severity),
        SecretValueHash = finding.SecretHash,
        // Another tool's (or an older CLI's) preview may show more than ours does.
        RedactedPreview = SecretHasher.ShortenPreview(finding.RedactedPreview).Truncate(100),
        ValuePattern = finding.ValuePattern.Truncate(255),
        FilePath = finding.FilePath.Truncate(500),
        Line = finding.Line,
        Column = finding.Column,
        CommitSha = finding.Commit?.Sha,
        Author = finding.Commit is { } c ? $"{c.AuthorName} <{c.AuthorEmail}>".Truncate(256) : null,
        CommittedAt = finding.Commit?.Date.ToUniversalTime(),
        Suppressed = finding.IsSuppressed,
        SuppressionReason = finding.Suppression is { } s ? s.Reason.Truncate(500) : null,
    };

    /// <summary>Serialises writers of one scope until the transaction ends, so two scans of a repository do not both insert a new secret.</summary>
    public static Task LockScopeAsync(ApplicationDbContext db, string scopeKey, CancellationToken ct) =>
        db.Database.LockAsync("secrets:" + scopeKey, ct);

    /// <summary>
    /// Records findings a job saw. <paramref name="findings"/> are fresh entities (ids, rule, SHA-256 of the value,
    /// location): their hashes are keyed with the installation's key first, so the stored hash and the identity made
    /// from it are the same for the built-in scanner, CLI uploads and imported reports, and neither is a bare SHA-256.
    /// Those whose identity already exists in the scope update that row instead of being inserted. Saves nothing: the
    /// caller saves, in its transaction.
    /// </summary>
    public static async Task<SecretMerge> RecordAsync(ApplicationDbContext db, SecretHashKey hashKey, Guid jobId, string scopeKey,
        IReadOnlyList<SecretFinding> findings, DateTimeOffset now, CancellationToken ct)
    {
        hashKey.Apply(findings);
        var incoming = findings
            .Select(f => (Finding: f, Identity: SecretHashKey.IdentityOf(f)))
            .GroupBy(x => x.Identity)
            .Select(g => g.First())
            .ToList();
        if (incoming.Count == 0)
        {
            return new SecretMerge(0, 0, 0);
        }

        var identities = incoming.Select(x => x.Identity).ToList();
        var existing = await db.SecretFindings.Where(f => f.ScopeKey == scopeKey && identities.Contains(f.Identity))
            .ToDictionaryAsync(f => f.Identity, ct);
        var ids = existing.Values.Select(f => f.Id).ToList();
        var sighted = (await db.SecretFindingSightings.Where(s => s.JobId == jobId && ids.Contains(s.FindingId)).Select(s => s.FindingId)
            .ToListAsync(ct)).ToHashSet();
        int created = 0, unchanged = 0, reopened = 0;
        foreach (var (finding, identity) in incoming)
        {
            SecretFinding row;
            if (existing.TryGetValue(identity, out var known))
            {
                row = known;
                if (sighted.Contains(row.Id))
                {
                    continue; // seen earlier in this same job (another commit, another batch)
                }

                if (row.Status == FindingStatus.Fixed)
                {
                    row.Status = FindingStatus.Open;
                    row.FixedAt = null;
                    row.TriageReason = "Seen again by a later scan.";
                    row.TriagedAt = now;
                    row.TriagedBy = "system";
                    reopened++;
                }
                else
                {
                    unchanged++;
                }

                row.LastSeenAt = now;
                row.LastJobId = jobId;
                row.Line = finding.Line;
                row.Column = finding.Column;
                row.CommitSha ??= finding.CommitSha;
                row.Suppressed = finding.Suppressed;
                row.SuppressionReason = finding.SuppressionReason;
            }
            else
            {
                row = finding;
                row.JobId = jobId;
                row.LastJobId = jobId;
                row.ScopeKey = scopeKey;
                row.Identity = identity;
                row.CreatedAt = now;
                row.FirstSeenAt = now;
                row.LastSeenAt = now;
                db.SecretFindings.Add(row);
                created++;
            }

            db.SecretFindingSightings.Add(new SecretFindingSighting
            {
                JobId = jobId, FindingId = row.Id, Line = finding.Line, Column = finding.Column, CommitSha = finding.CommitSha,
                Suppressed = finding.Suppressed, SeenAt = now,
            });
        }

        return new SecretMerge(created, unchanged, reopened);
    }

    /// <summary>
    /// After a complete history scan (every branch) of a repository: its open findings that scan did not see were
    /// removed from history and are fixed; accepted risks among them end. Only such scans fix secrets: a secret that
    /// left the working tree still sits in history until history is rewritten.
    /// </summary>
    public static async Task<int> FixMissingAsync(ApplicationDbContext db, Guid jobId, string scopeKey, DateTimeOffset now, CancellationToken ct)
    {
        var missing = await db.SecretFindings
            .Where(f => f.ScopeKey == scopeKey && f.LastJobId != jobId
                        && (f.Status == FindingStatus.Open || f.Status == FindingStatus.Confirmed || f.Status == FindingStatus.AcceptedRisk))
            .Select(f => f.Id)
            .ToListAsync(ct);
        if (missing.Count == 0)
        {
            return 0;
        }

        await db.SecretFindings.Where(f => missing.Contains(f.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(f => f.Status, FindingStatus.Fixed)
            .SetProperty(f => f.FixedAt, now)
            .SetProperty(f => f.SelectedForCleaning, false), ct);
        await db.RiskAcceptances.Where(r => r.SecretFindingId != null && missing.Contains(r.SecretFindingId.Value) && r.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.EndedAt, now).SetProperty(r => r.EndReason, "fixed"), ct);
        return missing.Count;
    }
}
