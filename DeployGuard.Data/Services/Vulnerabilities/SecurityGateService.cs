using System.Text.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Scanning;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>What to judge: a service's release (its commit) going to an environment.</summary>
public sealed record GateRequest(Guid ServiceId, Guid EnvironmentId, string? CommitSha, Guid? ReleaseId = null, string? RepositoryUrl = null);

/// <summary>A judged release, with the policy version it was judged by.</summary>
/// <summary>A stored gate decision for the deployment page: the decision, its reasoning, the matched findings and any override.</summary>
public sealed record GateDecisionView(Guid Id, GateDecision Decision, string Reasoning, int PolicyVersion, DateTimeOffset DecidedAt, GateEvaluation? Evaluation,
    string? OverriddenBy, string? OverrideReason, DateTimeOffset? OverriddenAt);

public sealed record GateResult(GateVerdict Verdict, Guid? PolicyVersionId, SecurityPolicy Preset, string EnvironmentName, string ServiceName);

/// <summary>
/// The security gate: which scans a release has (of its commit, else the service's latest, per scanner), which of
/// their findings are unresolved (open, or accepted with an expired acceptance; every open secret of the service's
/// repository), and what the environment's policy says about them. The <c>security_gate</c> stage records the result;
/// <c>deployguard gate</c> asks for it without recording.
/// </summary>
public sealed class SecurityGateService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    private sealed record ScanCandidate(Guid Id, string ScanType, string Scanner, string? ScannerVersion, string? CommitSha, DateTimeOffset? CompletedAt,
        long? DurationMs, bool OfCommit);

    private sealed record FindingCandidate(Guid Id, FindingKind Kind, string VulnerabilityId, string? PackageName, string? PackageVersion, string? Path,
        short SeverityRank, double? CvssScore, double? EpssScore, bool EpssPredicted, double? EpssPercentile, bool KnownExploited, string? FixedVersions,
        VulnerabilityStatus Status, bool Accepted, Guid ScanId);

    /// <summary>
    /// <c>deployguard gate</c>'s question: the service and environment by name (or id) as a CI pipeline knows them. A CI
    /// token may ask only about its own service.
    /// </summary>
    public async Task<Result<GateResult>> EvaluateByNameAsync(string? service, string? environment, string? commit, Caller caller,
        CancellationToken ct = default)
    {
        Guid? serviceId, environmentId;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            serviceId = await IdByNameAsync(db.Services.Select(s => new NamedId { Id = s.Id, Name = s.Name }), service, ct);
            environmentId = await IdByNameAsync(db.Environments.Select(e => new NamedId { Id = e.Id, Name = e.Name }), environment, ct);
        }

        // Before validation, so another service's token learns nothing about which names exist.
        if (caller.ServiceScope is { } scope && serviceId != scope)
        {
            return Result<GateResult>.Forbidden("This token is limited to another service.");
        }

        var errors = new Dictionary<string, string[]>();
        if (serviceId is null)
        {
            errors["service"] = [string.IsNullOrWhiteSpace(service) ? "service is required." : $"No service named '{service.Trim()}'."];
        }

        if (environmentId is null)
        {
            errors["environment"] = [string.IsNullOrWhiteSpace(environment) ? "environment is required." : $"No environment named '{environment.Trim()}'."];
        }

        if (errors.Count > 0)
        {
            return Result<GateResult>.Invalid(errors);
        }

        return await EvaluateAsync(new GateRequest(serviceId!.Value, environmentId!.Value, commit), ct);
    }

    private sealed class NamedId
    {
        public Guid Id { get; init; }

        public string Name { get; init; } = "";
    }

    private static async Task<Guid?> IdByNameAsync(IQueryable<NamedId> rows, string? nameOrId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(nameOrId))
        {
            return null;
        }

        var name = nameOrId.Trim();
        var id = Guid.TryParse(name, out var parsed) ? parsed : (Guid?)null;
        return await rows.Where(r => r.Id == id || r.Name == name).Select(r => (Guid?)r.Id).FirstOrDefaultAsync(ct);
    }

    public async Task<Result<GateResult>> EvaluateAsync(GateRequest request, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var service = await db.Services.AsNoTracking().Where(s => s.Id == request.ServiceId).Select(s => new { s.Id, s.Name, s.RepositoryUrl })
            .FirstOrDefaultAsync(ct);
        if (service is null)
        {
            return Result<GateResult>.NotFound($"Service {request.ServiceId} does not exist.");
        }

        var policy = await SecurityPolicyService.CurrentAsync(db, request.EnvironmentId, ct);
        if (policy is null)
        {
            return Result<GateResult>.NotFound($"Environment {request.EnvironmentId} does not exist.");
        }

        var now = clock.GetUtcNow();
        var commit = string.IsNullOrWhiteSpace(request.CommitSha) ? null : request.CommitSha.Trim().ToLowerInvariant();
        var scans = new List<GateScan>();

        // Vulnerability scans: per scope and scanner, the latest completed scan of the commit, else the latest completed one.
        // Secret-only imports and the built-in secret scanner's rows are left to the secret part below.
        var c = commit ?? "";
        var candidates = await db.Database.SqlQuery<ScanCandidate>($"""
            SELECT DISTINCT ON (s.scope_key, s.scanner) s.id AS "Id", s.scan_type AS "ScanType", s.scanner AS "Scanner",
                   s.scanner_version AS "ScannerVersion", s.commit_sha AS "CommitSha", s.completed_at AS "CompletedAt", s.duration_ms AS "DurationMs",
                   ({c} <> '' AND s.commit_sha IS NOT NULL AND ({c} LIKE s.commit_sha || '%' OR s.commit_sha LIKE {c} || '%')) AS "OfCommit"
            FROM scans s
            WHERE s.service_id = {service.Id} AND s.status = 'completed' AND s.scanner IS NOT NULL AND s.scanner <> 'deployguard'
              AND (s.findings_count > s.secret_count OR (s.format IS NOT NULL AND s.format NOT IN ('gitleaks', 'trufflehog', 'empty')))
            ORDER BY s.scope_key, s.scanner,
                     ({c} <> '' AND s.commit_sha IS NOT NULL AND ({c} LIKE s.commit_sha || '%' OR s.commit_sha LIKE {c} || '%')) DESC,
                     s.completed_at DESC
            """).ToListAsync(ct);
        foreach (var scan in candidates)
        {
            scans.Add(new GateScan(scan.Id, null, scan.ScanType, scan.Scanner, scan.ScannerVersion, scan.CommitSha, !scan.OfCommit, scan.CompletedAt,
                scan.DurationMs));
        }

        var findings = new List<GateFinding>();
        var scanIds = candidates.Select(c => c.Id).ToList();
        if (scanIds.Count > 0)
        {
            var rows = await db.Vulnerabilities.AsNoTracking().Where(v => scanIds.Contains(v.ScanId))
                .Join(db.VulnerabilityFindings, v => v.FindingId, f => f.Id, (v, f) => new { v.ScanId, f })
                .Where(x => !x.f.Suppressed && (x.f.Status == VulnerabilityStatus.Open || x.f.Status == VulnerabilityStatus.AcceptedRisk))
                .Select(x => new FindingCandidate(x.f.Id, x.f.Kind, x.f.VulnerabilityId, x.f.PackageName, x.f.PackageVersion, x.f.Path, x.f.SeverityRank,
                    x.f.CvssScore, x.f.EpssScore, x.f.EpssPredicted, x.f.EpssPercentile, x.f.KnownExploited, x.f.FixedVersions, x.f.Status,
                    db.RiskAcceptances.Any(r => r.VulnerabilityFindingId == x.f.Id && r.EndedAt == null && r.ExpiresAt > now), x.ScanId))
                .ToListAsync(ct);
            foreach (var row in rows.DistinctBy(r => r.Id))
            {
                if (row.Status == VulnerabilityStatus.AcceptedRisk && row.Accepted)
                {
                    continue;
                }

                findings.Add(new GateFinding(row.Id, ScanKinds.Name(row.Kind), row.VulnerabilityId, row.PackageName, row.PackageVersion, row.Path,
                    (Severity)row.SeverityRank, row.CvssScore, row.EpssScore, row.EpssPredicted, row.EpssPercentile, row.KnownExploited, row.FixedVersions,
                    row.Status == VulnerabilityStatus.AcceptedRisk, scanIds.IndexOf(row.ScanId)));
            }
        }

        // Secrets: the latest secret scan (of the commit, else the latest), and every unresolved secret of the service's
        // repository: a leaked credential stays a risk until it is revoked and removed from history, whatever scan saw it.
        var jobs = db.ScanJobs.AsNoTracking().Where(j => j.Status == ScanStatus.Completed
                                                         && (j.ServiceId == service.Id || (service.RepositoryUrl != null && j.SourceUrl == service.RepositoryUrl)));
        var job = commit is null ? null : await jobs
            .Where(j => j.CommitSha != null && (EF.Functions.Like(commit, j.CommitSha + "%") || EF.Functions.Like(j.CommitSha, commit + "%")))
            .OrderByDescending(j => j.CompletedAt).FirstOrDefaultAsync(ct);
        var ofCommit = job is not null;
        job ??= await jobs.OrderByDescending(j => j.CompletedAt).FirstOrDefaultAsync(ct);
        if (job is not null)
        {
            // An imported report's secret part is a job its scan row points to; the scanner is the report's tool.
            var tool = await db.Scans.AsNoTracking().Where(s => s.ScanJobId == job.Id).Select(s => new { s.Scanner, s.ScannerVersion }).FirstOrDefaultAsync(ct);
            scans.Add(new GateScan(null, job.Id, "secrets", tool?.Scanner ?? "deployguard", tool?.ScannerVersion, job.CommitSha, !ofCommit, job.CompletedAt,
                job.DurationMs));
            var scopes = await db.ScanJobs.AsNoTracking().Where(j => j.ServiceId == service.Id).Select(j => "repo:" + j.SourceUrl).Distinct().ToListAsync(ct);
            scopes.Add(SecretFindingStore.RepositoryScope(job.SourceUrl));
            if (service.RepositoryUrl is { Length: > 0 } url)
            {
                scopes.Add(SecretFindingStore.RepositoryScope(url));
            }

            var secretRows = await db.SecretFindings.AsNoTracking()
                .Where(f => scopes.Contains(f.ScopeKey) && !f.Suppressed
                            && (f.Status == FindingStatus.Open || f.Status == FindingStatus.Confirmed || f.Status == FindingStatus.AcceptedRisk))
                .Select(f => new
                {
                    f.Id, f.RuleId, f.FilePath, f.Severity, f.Status,
                    // An acceptance with an expiry that is in force, or none at all (accepted in triage before expiries existed).
                    Accepted = db.RiskAcceptances.Any(r => r.SecretFindingId == f.Id && r.EndedAt == null && r.ExpiresAt > now)
                               || !db.RiskAcceptances.Any(r => r.SecretFindingId == f.Id),
                })
                .ToListAsync(ct);
            foreach (var secret in secretRows)
            {
                if (secret.Status == FindingStatus.AcceptedRisk && secret.Accepted)
                {
                    continue;
                }

                findings.Add(new GateFinding(secret.Id, "secret", secret.RuleId, null, null, secret.FilePath, Severities(secret.Severity), null, null, false,
                    null, false, null, secret.Status == FindingStatus.AcceptedRisk, scans.Count - 1));
            }
        }

        var overrideNote = request.ReleaseId is { } releaseId ? await OverrideAsync(db, releaseId, request.EnvironmentId, ct) : null;
        var verdict = SecurityGateEvaluator.Evaluate(new GateInput(policy.Policy, policy.Version, policy.EnvironmentName, commit, scans, findings, now,
            overrideNote));
        return Result<GateResult>.Ok(new GateResult(verdict, policy.VersionId, policy.Preset, policy.EnvironmentName, service.Name));
    }

    /// <summary>
    /// Lets a release through an environment's gate: an admin, with a reason, on a deployment the gate rejected. The
    /// next deployment of that release to that environment is approved with the override named in its reasoning.
    /// </summary>
    public async Task<Result<Unit>> OverrideAsync(Guid deploymentId, string? reason, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins can override the security gate.");
        }

        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (reason is null || reason.Length > 2000)
        {
            return Result<Unit>.Invalid("reason", "Say why this release may go out despite the gate (at most 2000 characters).");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var decision = await db.SecurityGateDecisions.Where(g => g.DeploymentId == deploymentId).OrderByDescending(g => g.DecidedAt).FirstOrDefaultAsync(ct);
        if (decision is null)
        {
            return await db.Deployments.AnyAsync(d => d.Id == deploymentId, ct)
                ? Result<Unit>.Invalid("deployment", "This deployment has no security gate decision to override.")
                : Result<Unit>.NotFound($"Deployment {deploymentId} does not exist.");
        }

        if (decision.Decision != GateDecision.Reject)
        {
            return Result<Unit>.Invalid("deployment", $"The gate did not block this deployment ({decision.Decision.ToString().ToLowerInvariant()}).");
        }

        decision.OverriddenById = caller.UserId;
        decision.OverriddenByName = caller.UserName;
        decision.OverrideReason = reason;
        decision.OverriddenAt = clock.GetUtcNow();
        audit.Add(db, caller.Actor, AuditActions.SecurityGateOverridden, ResourceTypes.Deployment, deploymentId.ToString(),
            new { decision = decision.Id, reason, policyVersion = decision.PolicyVersion, commit = decision.CommitSha });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    /// <summary>The deployment's latest gate decision with what it matched (the stored evaluation), or null when no gate ran.</summary>
    public async Task<GateDecisionView?> LatestDecisionAsync(Guid deploymentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var d = await db.SecurityGateDecisions.AsNoTracking().Where(g => g.DeploymentId == deploymentId).OrderByDescending(g => g.DecidedAt).FirstOrDefaultAsync(ct);
        if (d is null)
        {
            return null;
        }

        var evaluation = d.Evaluation is null ? null : JsonSerializer.Deserialize<GateEvaluation>(d.Evaluation, SecurityPolicyDocument.Json);
        return new GateDecisionView(d.Id, d.Decision, d.Reason, d.PolicyVersion ?? 0, d.DecidedAt, evaluation, d.OverriddenByName, d.OverrideReason, d.OverriddenAt);
    }

    /// <summary>The scans a gate decision used and what it found in each (seed 03 security_scans), for the deployment page.</summary>
    public async Task<IReadOnlyList<SecurityScan>> ScansOfAsync(Guid deploymentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.SecurityScans.AsNoTracking().Where(s => s.DeploymentId == deploymentId).OrderBy(s => s.CreatedAt).ToListAsync(ct);
    }

    /// <summary>seed 03 security_scans rows for a verdict: one per scan used, with its counts and what the gate made of it.</summary>
    public static IReadOnlyList<SecurityScan> ToSecurityScans(GateVerdict verdict, Guid deploymentId, Guid decisionId, DateTimeOffset now)
    {
        var evaluation = verdict.Evaluation;
        var byScan = evaluation.Outcomes.SelectMany(o => o.Findings.Select(f => (f.ScanRef, o.Action, o.Condition))).ToList();
        var rows = new List<SecurityScan>();
        for (var i = 0; i < evaluation.Scans.Count; i++)
        {
            var scan = evaluation.Scans[i];
            var actions = byScan.Where(x => x.ScanRef == i).ToList();
            var worst = actions.Count == 0 ? PolicyAction.Approve : actions.Max(a => a.Action);
            var counted = evaluation.Outcomes.SelectMany(o => o.Findings).Where(f => f.ScanRef == i).DistinctBy(f => f.Id).ToList();
            rows.Add(new SecurityScan
            {
                Id = Guid.CreateVersion7(),
                DeploymentId = deploymentId,
                GateDecisionId = decisionId,
                ScanId = scan.ScanId,
                ScanJobId = scan.ScanJobId,
                ScanType = scan.ScanType == "git_repo" ? "dependencies" : scan.ScanType,
                ScannerName = scan.Scanner,
                ScannerVersion = scan.ScannerVersion,
                ScanDurationMs = scan.DurationMs,
                CommitSha = scan.CommitSha,
                OtherCommit = scan.OtherCommit,
                ScannedAt = scan.CompletedAt,
                Passed = worst != PolicyAction.Block,
                TotalVulnerabilities = counted.Count,
                CriticalCount = counted.Count(f => f.Severity == Severity.Critical),
                HighCount = counted.Count(f => f.Severity == Severity.High),
                MediumCount = counted.Count(f => f.Severity == Severity.Medium),
                LowCount = counted.Count(f => f.Severity <= Severity.Low),
                AgentDecision = worst switch { PolicyAction.Block => "reject", PolicyAction.Warn => "warn", _ => "approve" },
                AgentReasoning = actions.Count == 0
                    ? $"Nothing in this scan matched a rule of the policy{(scan.OtherCommit ? " (a scan of another commit: the service's latest)" : "")}."
                    : string.Join(" ", actions.GroupBy(a => a.Condition).Select(g => $"{g.Count()} finding(s): {g.Key}.")).Truncate(2000),
                Recommendations = counted.Where(f => f.FixedVersions is { Length: > 0 }).Select(f => $"{f.Package} → {f.FixedVersions}").Distinct()
                    .Take(20).DefaultIfEmpty().Aggregate((a, b) => $"{a}; {b}").Truncate(2000),
                CreatedAt = now,
            });
        }

        return rows;
    }

    private static async Task<string?> OverrideAsync(ApplicationDbContext db, Guid releaseId, Guid environmentId, CancellationToken ct)
    {
        var overridden = await db.SecurityGateDecisions.AsNoTracking()
            .Where(g => g.OverriddenAt != null)
            .Join(db.Deployments.Where(d => d.ReleaseId == releaseId && d.EnvironmentId == environmentId), g => g.DeploymentId, d => d.Id, (g, d) => g)
            .OrderByDescending(g => g.OverriddenAt)
            .Select(g => new { g.OverriddenByName, g.OverrideReason, g.OverriddenAt, g.DeploymentId })
            .FirstOrDefaultAsync(ct);
        return overridden is null
            ? null
            : $"Overridden by admin {overridden.OverriddenByName} on {overridden.OverriddenAt:yyyy-MM-dd HH:mm} UTC: \"{overridden.OverrideReason}\" " +
              $"(after deployment {overridden.DeploymentId.ToString()[..8]} was blocked).";
    }

    private static Severity Severities(string severity) => DeployGuard.Scanning.Reports.Severities.Parse(severity) ?? Severity.High;

    public static string EvaluationJson(GateVerdict verdict) => JsonSerializer.Serialize(verdict.Evaluation, SecurityPolicyDocument.Json);
}
