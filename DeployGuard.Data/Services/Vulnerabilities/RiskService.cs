using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>A risk acceptance as pages and the API show it.</summary>
public sealed record RiskAcceptanceRow(Guid Id, Guid? VulnerabilityFindingId, Guid? SecretFindingId, string Reason, string? RequestedByName,
    string ApprovedByName, DateTimeOffset ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt, string? EndReason)
{
    public bool Active(DateTimeOffset now) => EndedAt is null && ExpiresAt > now;
}

/// <summary>Which findings a decision is about: vulnerability findings, secret findings, or both.</summary>
public sealed record FindingRefs(IReadOnlyCollection<Guid> Vulnerabilities, IReadOnlyCollection<Guid> Secrets)
{
    public int Count => Vulnerabilities.Count + Secrets.Count;
}

/// <summary>
/// Finding statuses people decide: false positive (with a reason), open again, and accepted risk — with a reason, the
/// approver who takes it on, and an expiry, after which the finding re-opens and blocks again. A scan decides "fixed";
/// a fixed accepted risk closes and its acceptance ends (the import and the secret scan do that). Every change is audited
/// with the change, in its transaction.
/// </summary>
public sealed class RiskService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    public const int MaxAcceptanceDays = 366;

    public async Task<Result<int>> MarkFalsePositiveAsync(IReadOnlyCollection<Guid> findingIds, string? reason, Caller caller, CancellationToken ct = default) =>
        await SetStatusAsync(findingIds, VulnerabilityStatus.FalsePositive, reason, caller, ct);

    public async Task<Result<int>> ReopenAsync(IReadOnlyCollection<Guid> findingIds, string? reason, Caller caller, CancellationToken ct = default) =>
        await SetStatusAsync(findingIds, VulnerabilityStatus.Open, reason, caller, ct);

    /// <summary>
    /// Accepts the risk of findings until <paramref name="expiresAt"/>. Only approvers and admins take a risk on; the
    /// acceptance names them. Findings already accepted get a new acceptance (the old one ends as "replaced").
    /// </summary>
    public async Task<Result<int>> AcceptAsync(FindingRefs findings, string? reason, DateTimeOffset expiresAt, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsApprover)
        {
            return Result<int>.Forbidden("Only approvers and admins can accept a risk: the acceptance names who takes it on.");
        }

        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (reason is null)
        {
            errors.Add("reason", "Say why the risk is acceptable (for example \"not reachable: the parser is never given user input\").");
        }
        else if (reason.Length > 2000)
        {
            errors.Add("reason", "The reason is at most 2000 characters.");
        }

        if (expiresAt <= now)
        {
            errors.Add("expires_at", "The acceptance must expire in the future.");
        }
        else if (expiresAt > now.AddDays(MaxAcceptanceDays))
        {
            errors.Add("expires_at", $"An acceptance lasts at most {MaxAcceptanceDays} days; accept again when it expires.");
        }

        if (findings.Count == 0)
        {
            errors.Add("findings", "Choose at least one finding.");
        }

        if (errors.Count > 0)
        {
            return Result<int>.Invalid(errors);
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var vulnerabilities = await db.VulnerabilityFindings.Where(f => findings.Vulnerabilities.Contains(f.Id)).ToListAsync(ct);
        var secrets = await db.SecretFindings.Where(f => findings.Secrets.Contains(f.Id)).ToListAsync(ct);
        if (vulnerabilities.Count != findings.Vulnerabilities.Distinct().Count() || secrets.Count != findings.Secrets.Distinct().Count())
        {
            return Result<int>.NotFound("One or more findings do not exist.");
        }

        if (vulnerabilities.Any(f => f.Status == VulnerabilityStatus.Fixed) || secrets.Any(f => f.Status == FindingStatus.Fixed))
        {
            return Result<int>.Invalid("findings", "A fixed finding has no risk left to accept.");
        }

        var ids = vulnerabilities.Select(f => (Guid?)f.Id).ToList();
        var secretIds = secrets.Select(f => (Guid?)f.Id).ToList();
        await db.RiskAcceptances
            .Where(r => r.EndedAt == null && (ids.Contains(r.VulnerabilityFindingId) || secretIds.Contains(r.SecretFindingId)))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.EndedAt, now).SetProperty(r => r.EndReason, "replaced"), ct);
        foreach (var finding in vulnerabilities)
        {
            var acceptance = NewAcceptance(reason!, expiresAt, caller, now);
            acceptance.VulnerabilityFindingId = finding.Id;
            db.RiskAcceptances.Add(acceptance);
            var from = finding.Status;
            finding.Status = VulnerabilityStatus.AcceptedRisk;
            Stamp(finding, reason, caller, now);
            audit.Add(db, caller.Actor, AuditActions.RiskAccepted, ResourceTypes.Vulnerability, finding.Id.ToString(), new
            {
                acceptance = acceptance.Id, from = ScanKinds.Name(from), finding.VulnerabilityId, finding.PackageName, finding.PackageVersion, reason,
                expiresAt, approver = caller.UserName,
            });
        }

        foreach (var finding in secrets)
        {
            var acceptance = NewAcceptance(reason!, expiresAt, caller, now);
            acceptance.SecretFindingId = finding.Id;
            db.RiskAcceptances.Add(acceptance);
            var from = finding.Status;
            finding.Status = FindingStatus.AcceptedRisk;
            finding.TriageReason = reason.Truncate(500);
            finding.TriagedBy = caller.UserName;
            finding.TriagedAt = now;
            audit.Add(db, caller.Actor, AuditActions.RiskAccepted, ResourceTypes.Finding, finding.Id.ToString(), new
            {
                acceptance = acceptance.Id, from = from.ToString(), finding.RuleId, finding.FilePath, reason, expiresAt, approver = caller.UserName,
            });
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<int>.Ok(vulnerabilities.Count + secrets.Count);
    }

    /// <summary>Ends an acceptance early: the finding is open again (and counts at the next gate).</summary>
    public async Task<Result<Unit>> RevokeAsync(Guid acceptanceId, string? reason, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsApprover)
        {
            return Result<Unit>.Forbidden("Only approvers and admins can revoke a risk acceptance.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var acceptance = await db.RiskAcceptances.FirstOrDefaultAsync(r => r.Id == acceptanceId, ct);
        if (acceptance is null)
        {
            return Result<Unit>.NotFound($"Risk acceptance {acceptanceId} does not exist.");
        }

        if (acceptance.EndedAt is not null)
        {
            return Result<Unit>.Invalid("acceptance", $"This acceptance already ended ({acceptance.EndReason}).");
        }

        var now = clock.GetUtcNow();
        acceptance.EndedAt = now;
        acceptance.EndReason = "revoked";
        await ReopenAcceptedAsync(db, acceptance, $"Risk acceptance revoked by {caller.UserName}: {reason}".Truncate(2000), caller.UserName ?? "unknown", now, ct);
        audit.Add(db, caller.Actor, AuditActions.RiskRevoked, ResourceTypes.RiskAcceptance, acceptance.Id.ToString(),
            new { acceptance.VulnerabilityFindingId, acceptance.SecretFindingId, reason });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    /// <summary>
    /// Ends the acceptances that expired by now and re-opens their findings (each audited), in one transaction of its own.
    /// The recurring <see cref="RiskExpiryJobs"/> job does this every minute; the gate does not wait for it, since it treats
    /// an expired acceptance as none.
    /// </summary>
    public async Task<int> ExpireDueAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var expired = await ExpireDueAsync(db, clock.GetUtcNow(), ct);
        await tx.CommitAsync(ct);
        return expired;
    }

    /// <summary>
    /// As above, in the caller's transaction (the recurring job's claim). The rows are locked (<c>FOR UPDATE</c>), so a
    /// revocation at the same moment waits instead of both ending the acceptance; only one expiry job runs at a time (its
    /// key), so nothing here needs to skip locked rows.
    /// </summary>
    internal async Task<int> ExpireDueAsync(ApplicationDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var due = await db.RiskAcceptances
            .FromSql($"SELECT * FROM risk_acceptances WHERE ended_at IS NULL AND expires_at <= {now} ORDER BY expires_at LIMIT 500 FOR UPDATE")
            .ToListAsync(ct);
        foreach (var acceptance in due)
        {
            acceptance.EndedAt = now;
            acceptance.EndReason = "expired";
            await ReopenAcceptedAsync(db, acceptance, $"Risk acceptance expired on {acceptance.ExpiresAt:yyyy-MM-dd HH:mm} UTC (approved by {acceptance.ApprovedByName}).",
                "system", now, ct);
            audit.Add(db, AuditActor.System, AuditActions.RiskExpired, ResourceTypes.RiskAcceptance, acceptance.Id.ToString(),
                new { acceptance.VulnerabilityFindingId, acceptance.SecretFindingId, acceptance.ExpiresAt, acceptance.ApprovedByName });
        }

        await db.SaveChangesAsync(ct);
        return due.Count;
    }

    public async Task<IReadOnlyList<RiskAcceptanceRow>> ForFindingAsync(Guid findingId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.RiskAcceptances.AsNoTracking()
            .Where(r => r.VulnerabilityFindingId == findingId || r.SecretFindingId == findingId)
            .OrderByDescending(r => r.CreatedAt)
            .Select(r => new RiskAcceptanceRow(r.Id, r.VulnerabilityFindingId, r.SecretFindingId, r.Reason, r.RequestedByName, r.ApprovedByName,
                r.ExpiresAt, r.CreatedAt, r.EndedAt, r.EndReason))
            .ToListAsync(ct);
    }

    private async Task<Result<int>> SetStatusAsync(IReadOnlyCollection<Guid> findingIds, VulnerabilityStatus status, string? reason, Caller caller,
        CancellationToken ct)
    {
        if (!caller.IsAdmin && !caller.IsEngineer && !caller.IsApprover)
        {
            return Result<int>.Forbidden("Viewers cannot change findings.");
        }

        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (status == VulnerabilityStatus.FalsePositive && reason is null)
        {
            return Result<int>.Invalid("reason", "Say why this is a false positive (for example \"the vulnerable function is not in this build\").");
        }

        if (reason is { Length: > 2000 })
        {
            return Result<int>.Invalid("reason", "The reason is at most 2000 characters.");
        }

        if (findingIds.Count == 0)
        {
            return Result<int>.Invalid("findings", "Choose at least one finding.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var findings = await db.VulnerabilityFindings.Where(f => findingIds.Contains(f.Id)).ToListAsync(ct);
        if (findings.Count != findingIds.Distinct().Count())
        {
            return Result<int>.NotFound("One or more findings do not exist.");
        }

        if (findings.Any(f => f.Status == VulnerabilityStatus.Fixed))
        {
            return Result<int>.Invalid("findings", "A scan found these fixed; a later scan that reports them again re-opens them.");
        }

        var now = clock.GetUtcNow();
        var ids = findings.Select(f => (Guid?)f.Id).ToList();
        // A decision about an accepted finding replaces its acceptance.
        await db.RiskAcceptances.Where(r => r.EndedAt == null && ids.Contains(r.VulnerabilityFindingId))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.EndedAt, now).SetProperty(r => r.EndReason, "revoked"), ct);
        foreach (var finding in findings.Where(f => f.Status != status))
        {
            var from = finding.Status;
            finding.Status = status;
            Stamp(finding, reason, caller, now);
            audit.Add(db, caller.Actor, AuditActions.VulnerabilityStatusChanged, ResourceTypes.Vulnerability, finding.Id.ToString(), new
            {
                from = ScanKinds.Name(from), to = ScanKinds.Name(status), reason, finding.VulnerabilityId, finding.PackageName, finding.PackageVersion,
            });
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<int>.Ok(findings.Count);
    }

    private static async Task ReopenAcceptedAsync(ApplicationDbContext db, RiskAcceptance acceptance, string reason, string by, DateTimeOffset now,
        CancellationToken ct)
    {
        if (acceptance.VulnerabilityFindingId is { } id
            && await db.VulnerabilityFindings.FirstOrDefaultAsync(f => f.Id == id && f.Status == VulnerabilityStatus.AcceptedRisk, ct) is { } finding)
        {
            finding.Status = VulnerabilityStatus.Open;
            finding.StatusReason = reason;
            finding.StatusChangedBy = by;
            finding.StatusChangedAt = now;
        }

        if (acceptance.SecretFindingId is { } secretId
            && await db.SecretFindings.FirstOrDefaultAsync(f => f.Id == secretId && f.Status == FindingStatus.AcceptedRisk, ct) is { } secret)
        {
            secret.Status = FindingStatus.Open;
            secret.TriageReason = reason.Truncate(500);
            secret.TriagedBy = by;
            secret.TriagedAt = now;
        }
    }

    private static RiskAcceptance NewAcceptance(string reason, DateTimeOffset expiresAt, Caller caller, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(),
        Reason = reason,
        RequestedById = caller.UserId,
        RequestedByName = caller.UserName,
        ApprovedById = caller.UserId,
        ApprovedByName = caller.UserName ?? "unknown",
        ExpiresAt = expiresAt.ToUniversalTime(),
        CreatedAt = now,
    };

    private static void Stamp(VulnerabilityFinding finding, string? reason, Caller caller, DateTimeOffset now)
    {
        finding.StatusReason = reason;
        finding.StatusChangedBy = caller.UserName;
        finding.StatusChangedAt = now;
    }
}
