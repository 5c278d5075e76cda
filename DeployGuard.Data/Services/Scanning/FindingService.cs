using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Events;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>Findings across scan jobs: listing, grouping, triage (which becomes feedback), selection for cleaning.</summary>
public sealed class FindingService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock,
    FalsePositiveLearning learning, SecretHashKey hashKey, EventBus bus)
{
    public async Task<Paged<FindingRow>> ListAsync(FindingQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var findings = Filter(db, db.SecretFindings.AsNoTracking(), query);
        var total = await findings.CountAsync(ct);
        findings = (query.SortBy, query.Descending) switch
        {
            (nameof(FindingRow.RuleId), false) => findings.OrderBy(f => f.RuleId).ThenBy(f => f.FilePath),
            (nameof(FindingRow.RuleId), true) => findings.OrderByDescending(f => f.RuleId).ThenBy(f => f.FilePath),
            (nameof(FindingRow.SecretType), false) => findings.OrderBy(f => f.SecretType).ThenBy(f => f.FilePath),
            (nameof(FindingRow.SecretType), true) => findings.OrderByDescending(f => f.SecretType).ThenBy(f => f.FilePath),
            (nameof(FindingRow.FilePath), false) => findings.OrderBy(f => f.FilePath).ThenBy(f => f.Line),
            (nameof(FindingRow.FilePath), true) => findings.OrderByDescending(f => f.FilePath).ThenBy(f => f.Line),
            (nameof(FindingRow.Author), false) => findings.OrderBy(f => f.Author),
            (nameof(FindingRow.Author), true) => findings.OrderByDescending(f => f.Author),
            (nameof(FindingRow.Status), false) => findings.OrderBy(f => f.Status).ThenBy(f => f.FilePath),
            (nameof(FindingRow.Status), true) => findings.OrderByDescending(f => f.Status).ThenBy(f => f.FilePath),
            (nameof(FindingRow.CommittedAt), false) => findings.OrderBy(f => f.CommittedAt),
            (nameof(FindingRow.CommittedAt), true) => findings.OrderByDescending(f => f.CommittedAt),
            (nameof(FindingRow.FirstSeenAt), false) => findings.OrderBy(f => f.FirstSeenAt),
            (nameof(FindingRow.FirstSeenAt), true) => findings.OrderByDescending(f => f.FirstSeenAt),
            _ => findings.OrderBy(f => f.Severity == "critical" ? 0 : f.Severity == "high" ? 1 : f.Severity == "medium" ? 2 : 3)
                .ThenBy(f => f.FilePath).ThenBy(f => f.Line),
        };
        var items = await findings.Skip(query.SafeSkip).Take(query.SafeTake)
            .Select(f => new FindingRow(f.Id, f.JobId, f.Job!.SourceUrl, f.RuleId, f.SecretType, f.Severity, f.RedactedPreview, f.ValuePattern,
                f.SecretValueHash, f.FilePath, f.Line, f.Column, f.CommitSha, f.Author, f.CommittedAt, f.Status, f.TriageReason, f.TriagedBy,
                f.TriagedAt, f.SelectedForCleaning, f.Suppressed, f.SuppressionReason, f.FirstSeenAt))
            .ToListAsync(ct);
        return new Paged<FindingRow>(items, total);
    }

    public async Task<IReadOnlyList<FindingGroup>> GroupAsync(FindingQuery query, FindingGrouping grouping, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var findings = Filter(db, db.SecretFindings.AsNoTracking(), query);
        var grouped = grouping == FindingGrouping.Rule
            ? findings.GroupBy(f => f.RuleId)
            : findings.GroupBy(f => f.FilePath);
        // Ordered before the projection: EF cannot translate an OrderBy on the projected record's Count.
        return await grouped.OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Take(200)
            .Select(g => new FindingGroup(g.Key, g.Count(), g.Count(f => f.Status == FindingStatus.Open)))
            .ToListAsync(ct);
    }

    /// <summary>Rule ids and secret types present, for filter drop-downs.</summary>
    public async Task<(IReadOnlyList<string> Rules, IReadOnlyList<string> Types)> FacetsAsync(Guid? jobId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var findings = db.SecretFindings.AsNoTracking()
            .Where(f => jobId == null || db.SecretFindingSightings.Any(s => s.JobId == jobId && s.FindingId == f.Id));
        var rules = await findings.Select(f => f.RuleId).Distinct().OrderBy(r => r).ToListAsync(ct);
        var types = await findings.Select(f => f.SecretType).Distinct().OrderBy(t => t).ToListAsync(ct);
        return (rules, types);
    }

    /// <summary>
    /// Records a triage decision on findings. Every verdict other than re-opening becomes feedback (false positive
    /// or true positive by value shape), which updates the learned false-positive patterns in the same transaction.
    /// </summary>
    public async Task<Result<int>> TriageAsync(IReadOnlyCollection<Guid> findingIds, FindingStatus status, string? reason, Caller caller,
        CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer && !caller.IsApprover)
        {
            return Result<int>.Forbidden("Viewers cannot triage findings.");
        }

        if (!Enum.IsDefined(status))
        {
            return Result<int>.Invalid("Status", "Unknown status.");
        }

        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (status == FindingStatus.FalsePositive && reason is null)
        {
            return Result<int>.Invalid("Reason", "Say why this is not a secret (for example \"test fixture\" or \"public key\").");
        }

        if (reason is { Length: > 500 })
        {
            return Result<int>.Invalid("Reason", "The reason must be at most 500 characters.");
        }

        if (findingIds.Count == 0)
        {
            return Result<int>.Invalid("", "Select at least one finding.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var findings = await db.SecretFindings.Where(f => findingIds.Contains(f.Id)).ToListAsync(ct);
        if (findings.Count != findingIds.Distinct().Count())
        {
            return Result<int>.NotFound("One or more findings do not exist.");
        }

        var now = clock.GetUtcNow();
        foreach (var finding in findings)
        {
            var from = finding.Status;
            finding.Status = status;
            finding.TriageReason = reason;
            finding.TriagedBy = caller.UserName;
            finding.TriagedAt = now;
            if (status is FindingStatus.FalsePositive or FindingStatus.Fixed)
            {
                finding.SelectedForCleaning = false;
            }

            audit.Add(db, caller.Actor, AuditActions.FindingTriaged, ResourceTypes.Finding, finding.Id.ToString(),
                new { from = from.ToString(), to = status.ToString(), reason, finding.RuleId, finding.FilePath, finding.ValuePattern });
        }

        if (status != FindingStatus.Open)
        {
            var items = findings.Select(f => new FeedbackItemInput(f.SecretValueHash, f.ValuePattern, status != FindingStatus.FalsePositive, f.RuleId))
                .ToList();
            AddSubmission(db, "web", ClientIdFor(caller.UserId ?? "anonymous"), findings.Count, items);
            await db.SaveChangesAsync(ct);
            await learning.RecomputeAsync(db, items.Select(i => i.ValuePattern), ct);
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await AnnounceAsync(findings, ct);
        return Result<int>.Ok(findings.Count);
    }

    /// <summary>Open lists of these findings' scans reload the page they show.</summary>
    private Task AnnounceAsync(IEnumerable<SecretFinding> findings, CancellationToken ct) =>
        bus.PublishAsync(findings.GroupBy(f => f.JobId)
            .Select(g => new Published(Topics.Findings, new FindingsEvent(FindingsEventKind.Changed, g.Key) { Count = g.Count() })), ct);

    /// <summary>Anonymous feedback from the CLI (seed 01): hashes and shapes only.</summary>
    public async Task<Result<Guid>> RecordFeedbackAsync(FeedbackInput input, AuditActor actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(input.ClientId) || input.ClientId.Length > 64)
        {
            errors.Add("clientId", "clientId is the client's anonymous id hash (1 to 64 characters).");
        }

        if (input.Items is null || input.Items.Count is 0 or > 10_000)
        {
            errors.Add("items", "Send between 1 and 10,000 items.");
        }
        else if (input.Items.Any(i => !IsSha256(i.ValueHash)))
        {
            errors.Add("items", "Each valueHash is the SHA-256 of the value as 64 hexadecimal characters (never the value).");
        }
        else if (input.Items.Any(i => string.IsNullOrWhiteSpace(i.ValuePattern) || i.ValuePattern.Length > 255))
        {
            errors.Add("items", "Each valuePattern is 1 to 255 characters, like ghp_[alnum:36].");
        }

        if (input.TotalDetected < 0)
        {
            errors.Add("totalDetected", "totalDetected cannot be negative.");
        }

        if (errors.Count > 0)
        {
            return Result<Guid>.Invalid(errors);
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The CLI sends SHA-256 (it has no installation key); stored like the findings' hashes, keyed.
        var keyed = input.Items!.Select(i => i with { ValueHash = hashKey.Keyed(i.ValueHash) }).ToList();
        var submission = AddSubmission(db, "cli", input.ClientId.Trim(), input.TotalDetected, keyed);
        audit.Add(db, actor, AuditActions.FeedbackReceived, ResourceTypes.Feedback, submission.Id.ToString(),
            new { submission.ClientId, submission.TotalDetected, submission.ConfirmedSecrets, submission.FalsePositives });
        await db.SaveChangesAsync(ct);
        await learning.RecomputeAsync(db, input.Items!.Select(i => i.ValuePattern), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<Guid>.Ok(submission.Id);
    }

    public async Task<int> CountSelectedForCleaningAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.SecretFindings.CountAsync(f => f.SelectedForCleaning
            && db.SecretFindingSightings.Any(s => s.JobId == jobId && s.FindingId == f.Id), ct);
    }

    public async Task<Result<int>> SelectForCleaningAsync(IReadOnlyCollection<Guid> findingIds, bool selected, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<int>.Forbidden("Only admins and engineers select findings for cleaning.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var findings = await db.SecretFindings.Where(f => findingIds.Contains(f.Id)).ToListAsync(ct);
        if (findings.Count != findingIds.Distinct().Count())
        {
            return Result<int>.NotFound("One or more findings do not exist.");
        }

        if (selected && findings.Any(f => f.Status == FindingStatus.FalsePositive))
        {
            return Result<int>.Invalid("", "False positives are not secrets: there is nothing to clean.");
        }

        foreach (var finding in findings.Where(f => f.SelectedForCleaning != selected))
        {
            finding.SelectedForCleaning = selected;
            audit.Add(db, caller.Actor, selected ? AuditActions.FindingSelectedForCleaning : AuditActions.FindingUnselectedForCleaning, ResourceTypes.Finding,
                finding.Id.ToString(), new { finding.RuleId, finding.FilePath });
        }

        await db.SaveChangesAsync(ct);
        await AnnounceAsync(findings, ct);
        return Result<int>.Ok(findings.Count);
    }

    private FeedbackSubmission AddSubmission(ApplicationDbContext db, string source, string clientId, int totalDetected,
        IReadOnlyCollection<FeedbackItemInput> items)
    {
        var submission = new FeedbackSubmission
        {
            Id = Guid.CreateVersion7(),
            ClientId = clientId,
            Source = source,
            TotalDetected = Math.Max(totalDetected, items.Count),
            ConfirmedSecrets = items.Count(i => i.IsTruePositive),
            FalsePositives = items.Count(i => !i.IsTruePositive),
            ReceivedAt = clock.GetUtcNow(),
        };
        foreach (var item in items)
        {
            submission.Items.Add(new FeedbackItem
            {
                Id = Guid.CreateVersion7(),
                // Keyed already: web triage takes the findings' stored hashes, CLI feedback was keyed above.
                ValueHash = item.ValueHash.ToLowerInvariant(),
                HashKeyId = hashKey.KeyId,
                ValuePattern = item.ValuePattern.Trim(),
                RuleId = item.RuleId,
                IsTruePositive = item.IsTruePositive,
            });
        }

        db.FeedbackSubmissions.Add(submission);
        return submission;
    }

    private static IQueryable<SecretFinding> Filter(ApplicationDbContext db, IQueryable<SecretFinding> findings, FindingQuery query)
    {
        if (query.JobId is { } jobId)
        {
            // The findings that scan saw, including ones earlier scans of the repository found first.
            findings = findings.Where(f => db.SecretFindingSightings.Any(s => s.JobId == jobId && s.FindingId == f.Id));
        }

        if (query.Status is { } status)
        {
            findings = findings.Where(f => f.Status == status);
        }

        if (!string.IsNullOrWhiteSpace(query.RuleId))
        {
            findings = findings.Where(f => f.RuleId == query.RuleId);
        }

        if (!string.IsNullOrWhiteSpace(query.SecretType))
        {
            findings = findings.Where(f => f.SecretType == query.SecretType);
        }

        if (query.Suppressed is { } suppressed)
        {
            findings = findings.Where(f => f.Suppressed == suppressed);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            findings = findings.Where(Like.Contains<SecretFinding>(query.Search, f => f.FilePath, f => f.Author, f => f.CommitSha));
        }

        return findings;
    }

    private static string ClientIdFor(string userId) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("deployguard-web:" + userId))).ToLowerInvariant();

    private static bool IsSha256(string? value) => value is { Length: 64 } && value.All(Uri.IsHexDigit);
}
