using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>
/// seed 02's scans: trigger, read, list, their vulnerabilities, delete. A git repository scan runs the built-in secret
/// scanner as a scan job, plus the dependency scanner configured for git_repo (<c>Scanning:Scanners:git_repo</c>) as a
/// part scan when there is one; other types need a scanner command configured for them (<c>Scanning:Scanners:&lt;type&gt;</c>).
/// </summary>
public sealed class ScanService(IDbContextFactory<ApplicationDbContext> contextFactory, ScanJobService jobs, AuditWriter audit, TimeProvider clock,
    IOptions<ScanningOptions> options)
{
    public const int MaxLimit = 500;

    /// <summary>The most vulnerability rows one read of a scan returns.</summary>
    public const int MaxVulnerabilities = 10_000;

    /// <summary>The scanner command configured for a scan type, or null (our build machines have none).</summary>
    public string? ScannerCommand(ScanKind kind) => options.Value.ScannerFor(kind);

    public async Task<Result<TriggerResult>> TriggerAsync(TriggerRequest request, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<TriggerResult>.Forbidden("Only admins and engineers can start scans.");
        }

        var errors = new Dictionary<string, string[]>();
        if (!ScanKinds.TryParse(request.ScanType, out ScanKind kind))
        {
            errors.Add("scan_type", "scan_type is one of git_repo, container, vm, sbom, k8s.");
        }

        var target = request.Target?.Trim() ?? "";
        if (target.Length is 0 or > 500)
        {
            errors.Add("target", "target is required: a repository URL, an image name or a path (at most 500 characters).");
        }

        if (errors.Count > 0)
        {
            return Result<TriggerResult>.Invalid(errors);
        }

        if (kind != ScanKind.GitRepo && ScannerCommand(kind) is null)
        {
            return Result<TriggerResult>.Invalid("scan_type",
                $"No scanner is configured for {ScanKinds.Name(kind)} scans on this server (Scanning:Scanners:{ScanKinds.Name(kind)}, for example " +
                $"\"{ExampleCommand(kind)}\"). Run the scanner where it is installed and upload its JSON report instead: " +
                "POST /api/scans/import with the report as multipart field 'file', `deployguard report upload FILE`, or the upload on the Scans page.");
        }

        if (kind != ScanKind.GitRepo)
        {
            return await TriggerScannerAsync(kind, target, request, caller, ct);
        }

        // A git repository: its secret part is the built-in scanner's job; its dependency part, where a git_repo scanner
        // is configured, a part scan of its own on the ScannerRun queue (its own scanner and scope, so "fixed" and the gate
        // judge it like any scanner's scan), whose counts the scan reports with its own. The scan rows commit with the job:
        // a worker may claim the job the moment it commits, and a job that ended before its scan existed left the scan
        // pending for ever (nothing settles it later when it has no part).
        var now = clock.GetUtcNow();
        Scan? scan = null;
        Scan? dependencies = null;
        var job = await jobs.CreateAsync(new ScanJobInput
        {
            SourcePlatform = PlatformOf(target),
            SourceUrl = target,
            Branch = request.Options?.GetValueOrDefault("branch"),
            ServiceId = request.ServiceId,
            CommitSha = request.CommitSha,
        }, caller, (db, created) =>
        {
            scan = PendingScan(ScanKind.GitRepo, target, request.ServiceId, created.CommitSha, "deployguard", SecretFindingStore.RepositoryScope(target),
                caller, now);
            scan.ScanJobId = created.Id;
            db.Scans.Add(scan);
            if (ScannerCommand(ScanKind.GitRepo) is { } command)
            {
                dependencies = PendingScan(ScanKind.GitRepo, target, request.ServiceId, created.CommitSha, ScannerName(command),
                    ScannerScope(request.ServiceId, target), caller, now);
                dependencies.ParentScanId = scan.Id;
                db.Scans.Add(dependencies);
                ScannerRunJobs.Enqueue(db, dependencies.Id, caller, now);
            }

            audit.Add(db, caller.Actor, AuditActions.ScanTriggered, ResourceTypes.Scan, scan.Id.ToString(),
                new { scan_type = "git_repo", target, secretScanJob = created.Id, dependencyScan = dependencies?.Id, dependencyScanner = dependencies?.Scanner });
        }, ct);
        if (!job.Succeeded)
        {
            return Result<TriggerResult>.Invalid(job.Errors.ToDictionary(e => e.Key is nameof(ScanJobInput.SourceUrl) ? "target" : e.Key.ToLowerInvariant(), e => e.Value));
        }

        return Result<TriggerResult>.Ok(new TriggerResult(scan!.Id, ScanState.Pending, dependencies is not null
            ? $"Scan initiated for {target}: the built-in secret scanner and the configured dependency scanner ({dependencies.Scanner}) run; " +
              "GET /api/scans/{id} counts the findings of both once both have ended."
            : $"Scan initiated for {target}: secrets only. No dependency scanner is configured for git_repo scans on this server " +
              "(Scanning:Scanners:git_repo, for example \"trivy fs --format json --quiet {target}\"). To add the repository's vulnerable dependencies, " +
              "run a scanner where it is installed and upload its JSON report: POST /api/scans/import with the report as multipart field 'file' " +
              $"(scan_type=git_repo, target={target}), `deployguard report upload FILE`, or the upload on the Scans page."));
    }

    /// <summary>A triggered scan, pending until its job runs (the one initialiser of every kind of triggered scan and part).</summary>
    private static Scan PendingScan(ScanKind kind, string target, Guid? serviceId, string? commitSha, string scanner, string scopeKey, Caller caller,
        DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(),
        ScanType = kind,
        Target = target,
        Status = ScanState.Pending,
        StartedAt = now,
        CreatedAt = now,
        Origin = ScanOrigin.Trigger,
        ServiceId = serviceId,
        CommitSha = commitSha,
        Scanner = scanner,
        ScopeKey = scopeKey,
        CreatedById = caller.UserId,
        CreatedByName = caller.UserName,
    };

    /// <summary>
    /// The scanner's program name as a scan's <see cref="Scan.Scanner"/> until its report names the tool: the first word
    /// of the configured command without its folder (<c>/opt/bin/trivy image …</c> is <c>trivy</c>).
    /// </summary>
    internal static string ScannerName(string command) =>
        Path.GetFileName(command.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "scanner").Truncate(100)!;

    /// <summary>A scanner's findings are judged per service, or per target when the scan names no service.</summary>
    private static string ScannerScope(Guid? serviceId, string target) => serviceId is { } id ? $"service:{id}" : $"target:{target}";

    /// <summary>
    /// A scan run by the scanner command configured for its type: a pending scan and its <see cref="ScannerRunJobs"/> job
    /// (the command runs isolated on a worker, its JSON output imported into this scan). The target is handed to the
    /// command as one argument, never through a shell; one that looks like an option is refused.
    /// </summary>
    private async Task<Result<TriggerResult>> TriggerScannerAsync(ScanKind kind, string target, TriggerRequest request, Caller caller, CancellationToken ct)
    {
        if (ScannerTargets.Refuse(target) is { } refused)
        {
            return Result<TriggerResult>.Invalid("target", refused);
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (request.ServiceId is { } serviceId)
        {
            if (!await db.Services.AnyAsync(s => s.Id == serviceId, ct))
            {
                return Result<TriggerResult>.Invalid("service", "This service does not exist.");
            }

            if (!await TeamAccess.MayOperateAsync(db, serviceId, caller, ct))
            {
                return Result<TriggerResult>.Forbidden("Only admins and engineers of the service's team can scan for it.");
            }
        }

        var now = clock.GetUtcNow();
        var scan = PendingScan(kind, target, request.ServiceId, string.IsNullOrWhiteSpace(request.CommitSha) ? null : request.CommitSha.Trim().ToLowerInvariant(),
            ScannerName(ScannerCommand(kind)!), ScannerScope(request.ServiceId, target), caller, now);
        db.Scans.Add(scan);
        ScannerRunJobs.Enqueue(db, scan.Id, caller, now);
        audit.Add(db, caller.Actor, AuditActions.ScanTriggered, ResourceTypes.Scan, scan.Id.ToString(),
            new { scan_type = ScanKinds.Name(kind), target, scanner = scan.Scanner });
        await db.SaveChangesAsync(ct);
        return Result<TriggerResult>.Ok(new TriggerResult(scan.Id, ScanState.Pending,
            $"{ScanKinds.Name(kind)} scan of {target} queued: the configured scanner runs isolated and its report is imported"));
    }

    /// <summary>
    /// A git repository scan's dependency part checked out <paramref name="commitSha"/>: the part and its scan record it
    /// where the trigger named no commit (the gate looks scans up by commit). A commit the trigger named stays as given.
    /// </summary>
    public async Task RecordCheckoutAsync(Guid partId, string commitSha, CancellationToken ct = default)
    {
        var sha = commitSha.Trim().ToLowerInvariant();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var parentId = await db.Scans.Where(s => s.Id == partId).Select(s => s.ParentScanId).FirstOrDefaultAsync(ct);
        await db.Scans.Where(s => (s.Id == partId || s.Id == parentId) && s.CommitSha == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.CommitSha, sha), ct);
    }

    public async Task<ScanRow?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (await Rows(db.Scans.AsNoTracking().Where(s => s.Id == id)).FirstOrDefaultAsync(ct) is { } scan)
        {
            return scan;
        }

        if (await JobRows(db.ScanJobs.AsNoTracking().Where(j => j.Id == id)).FirstOrDefaultAsync(ct) is not { } job)
        {
            return null;
        }

        var counts = await db.SecretFindingSightings.Where(s => s.JobId == id && !s.Suppressed)
            .Join(db.SecretFindings, s => s.FindingId, f => f.Id, (s, f) => f.Severity)
            .GroupBy(x => x).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        int Count(string severity) => counts.GetValueOrDefault(severity);
        return job with { CriticalCount = Count("critical"), HighCount = Count("high"), MediumCount = Count("medium"), LowCount = Count("low"),
            InfoCount = Count("info") };
    }

    public async Task<Paged<ScanRow>> ListAsync(ScanQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        // A git repository scan's dependency part is shown within it (GET /api/scans/{id} names its parts), not as a scan of its own.
        var scans = db.Scans.AsNoTracking().Where(s => s.ParentScanId == null);
        if (query.Status is { } status)
        {
            scans = scans.Where(s => s.Status == status);
        }

        if (query.ScanType is { } type)
        {
            scans = scans.Where(s => s.ScanType == type);
        }

        if (query.ServiceId is { } serviceId)
        {
            scans = scans.Where(s => s.ServiceId == serviceId);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = $"%{Like.Escape(query.Search.Trim())}%";
            scans = scans.Where(s => EF.Functions.ILike(s.Target, pattern) || EF.Functions.ILike(s.Service!.Name, pattern)
                                     || EF.Functions.ILike(s.Scanner ?? "", pattern));
        }

        var total = await scans.CountAsync(ct);
        var items = await Rows(scans.OrderByDescending(s => s.StartedAt).ThenByDescending(s => s.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Limit, 1, MaxLimit))).ToListAsync(ct);
        return new Paged<ScanRow>(items, total);
    }

    /// <summary>The scan's vulnerabilities (its own copies of severity, CVSS and EPSS; the finding's details and current status), most severe first.</summary>
    public async Task<IReadOnlyList<ScanVulnerabilityRow>?> VulnerabilitiesAsync(Guid scanId, int skip = 0, int take = 1000, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (!await db.Scans.AnyAsync(s => s.Id == scanId, ct))
        {
            return await db.ScanJobs.AnyAsync(j => j.Id == scanId, ct) ? [] : null;
        }

        // A git repository scan's vulnerabilities are its dependency parts'.
        var scanIds = await db.Scans.Where(s => s.Id == scanId || s.ParentScanId == scanId).Select(s => s.Id).ToListAsync(ct);
        return await db.Vulnerabilities.AsNoTracking().Where(v => scanIds.Contains(v.ScanId))
            .Join(db.VulnerabilityFindings, v => v.FindingId, f => f.Id, (v, f) => new { v, f })
            .OrderByDescending(x => x.f.SeverityRank).ThenByDescending(x => x.v.CvssScore).ThenBy(x => x.v.CveId).ThenBy(x => x.v.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, MaxVulnerabilities))
            .Select(x => new ScanVulnerabilityRow(x.v.Id, x.v.FindingId, x.f.Kind == FindingKind.Vulnerability ? "vulnerability"
                    : x.f.Kind == FindingKind.Misconfiguration ? "misconfiguration" : "code_issue",
                x.v.CveId, x.v.PackageName, x.v.PackageVersion, x.v.Severity, x.v.CvssScore, x.v.EpssScore, x.v.EpssPredicted, x.f.Details, x.v.Change,
                x.f.Status, x.f.FixedVersions, x.f.Path, x.v.CreatedAt))
            .ToListAsync(ct);
    }

    /// <summary>
    /// Secrets the scan found (its secret-scan job's sightings, and those of its parts' reports), for scans that have a
    /// secret part.
    /// </summary>
    public async Task<IReadOnlyList<ScanSecretRow>> SecretsAsync(Guid scanId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var jobIds = await db.Scans.Where(s => (s.Id == scanId || s.ParentScanId == scanId) && s.ScanJobId != null).Select(s => s.ScanJobId!.Value)
            .ToListAsync(ct);
        if (jobIds.Count == 0 && await db.ScanJobs.AnyAsync(j => j.Id == scanId, ct))
        {
            jobIds.Add(scanId);
        }

        if (jobIds.Count == 0)
        {
            return [];
        }

        // Ordered before the projection: EF cannot order by a member of a constructed record.
        return await db.SecretFindingSightings.AsNoTracking().Where(s => jobIds.Contains(s.JobId))
            .Join(db.SecretFindings, s => s.FindingId, f => f.Id, (s, f) => new { s, f })
            .OrderBy(x => x.f.FilePath).ThenBy(x => x.s.Line)
            .Take(10_000)
            .Select(x => new ScanSecretRow(x.f.Id, x.f.RuleId, x.f.Severity, x.f.RedactedPreview, x.f.FilePath, x.s.Line, x.f.Status, x.s.Suppressed))
            .ToListAsync(ct);
    }

    /// <summary>
    /// Deletes a scan with its vulnerabilities and analyses (seed 02). Findings no other scan saw go with it; the others
    /// keep their history, first and last seen re-pointed to the scans that remain.
    /// </summary>
    public async Task<Result<Unit>> DeleteAsync(Guid scanId, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scan = await db.Scans.FirstOrDefaultAsync(s => s.Id == scanId, ct);
        if (scan is null)
        {
            return Result<Unit>.NotFound($"Scan {scanId} does not exist.");
        }

        if (!caller.IsAdmin && !(caller.IsEngineer && scan.ServiceId is { } serviceId && await TeamAccess.MayOperateAsync(db, serviceId, caller, ct)))
        {
            return Result<Unit>.Forbidden("Only admins, and engineers of the scan's service's team, can delete scans.");
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // A git repository scan goes with its dependency parts, each tidied like a scan of its own.
        var parts = await db.Scans.Where(s => s.ParentScanId == scanId).ToListAsync(ct);
        var orphaned = 0;
        foreach (var id in parts.Select(p => p.Id).Append(scanId))
        {
            orphaned += await ForgetAsync(db, id, ct);
        }

        db.Scans.RemoveRange(parts);
        db.Scans.Remove(scan);
        audit.Add(db, caller.Actor, AuditActions.ScanDeleted, ResourceTypes.Scan, scan.Id.ToString(),
            new
            {
                scan_type = ScanKinds.Name(scan.ScanType), scan.Target, scan.Scanner, FindingsCount = scan.FindingsCount + parts.Sum(p => p.FindingsCount),
                findingsRemoved = orphaned, parts = parts.Select(p => p.Id),
            });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    /// <summary>
    /// Before a scan is deleted: findings no other scan saw go with it; the others keep their history, first and last
    /// seen re-pointed to the scans that remain. Returns how many findings went.
    /// </summary>
    private static async Task<int> ForgetAsync(ApplicationDbContext db, Guid scanId, CancellationToken ct)
    {
        var orphaned = await db.Database.ExecuteSqlAsync($"""
            DELETE FROM vulnerability_findings f
            WHERE EXISTS (SELECT 1 FROM vulnerabilities v WHERE v.finding_id = f.id AND v.scan_id = {scanId})
              AND NOT EXISTS (SELECT 1 FROM vulnerabilities v WHERE v.finding_id = f.id AND v.scan_id <> {scanId})
            """, ct);
        await db.Database.ExecuteSqlAsync($"""
            UPDATE vulnerability_findings f SET
                first_scan_id = CASE WHEN f.first_scan_id = {scanId} THEN
                    (SELECT v.scan_id FROM vulnerabilities v WHERE v.finding_id = f.id AND v.scan_id <> {scanId} ORDER BY v.created_at, v.id LIMIT 1)
                    ELSE f.first_scan_id END,
                last_scan_id = CASE WHEN f.last_scan_id = {scanId} THEN
                    (SELECT v.scan_id FROM vulnerabilities v WHERE v.finding_id = f.id AND v.scan_id <> {scanId} ORDER BY v.created_at DESC, v.id DESC LIMIT 1)
                    ELSE f.last_scan_id END
            WHERE f.first_scan_id = {scanId} OR f.last_scan_id = {scanId}
            """, ct);
        // If it was its scope's latest scan, the one before takes its place (findings keep what that scan said until the next one).
        await db.Database.ExecuteSqlAsync($"""
            UPDATE finding_scopes sc SET (last_scan_id, last_seen_at) = (
                SELECT s.id, s.completed_at FROM scans s
                WHERE s.scope_key = sc.scope_key AND s.scanner = sc.scanner AND s.status = 'completed' AND s.id <> {scanId}
                ORDER BY s.completed_at DESC LIMIT 1)
            WHERE sc.last_scan_id = {scanId}
            """, ct);
        return orphaned;
    }

    // A git repository scan reports its own (secret) counts plus its parts' (the dependency scanner's); a scan without
    // parts sums nothing.
    private static IQueryable<ScanRow> Rows(IQueryable<Scan> scans) =>
        scans.Select(s => new ScanRow(s.Id, s.ScanType, s.Target, s.Status, s.StartedAt, s.CompletedAt, s.ErrorMessage,
            s.FindingsCount + s.Parts.Sum(p => p.FindingsCount), s.CriticalCount + s.Parts.Sum(p => p.CriticalCount),
            s.HighCount + s.Parts.Sum(p => p.HighCount), s.MediumCount + s.Parts.Sum(p => p.MediumCount), s.LowCount + s.Parts.Sum(p => p.LowCount),
            s.InfoCount + s.Parts.Sum(p => p.InfoCount), s.SecretCount + s.Parts.Sum(p => p.SecretCount), s.Origin, s.Format, s.Scanner, s.ScannerVersion,
            s.ServiceId, s.Service!.Name, s.CommitSha, s.DeploymentId, s.ScanJobId, s.ResultsInReport + s.Parts.Sum(p => p.ResultsInReport),
            s.NewCount + s.Parts.Sum(p => p.NewCount), s.UnchangedCount + s.Parts.Sum(p => p.UnchangedCount),
            s.ReopenedCount + s.Parts.Sum(p => p.ReopenedCount), s.FixedCount + s.Parts.Sum(p => p.FixedCount), s.DurationMs, s.CreatedByName, s.CreatedAt)
        {
            ParentScanId = s.ParentScanId,
            Parts = s.Parts.OrderBy(p => p.CreatedAt).Select(p => new ScanPart(p.Id, p.Scanner, p.Status, p.FindingsCount)).ToList(),
        });

    /// <summary>A secret-scan job (the Scans page's rows) in seed 02's shape: a git repository scan by the built-in scanner.</summary>
    private static IQueryable<ScanRow> JobRows(IQueryable<ScanJob> jobs) =>
        jobs.Select(j => new ScanRow(j.Id, ScanKind.GitRepo, j.SourceUrl,
            j.Status == ScanStatus.Pending ? ScanState.Pending : j.Status == ScanStatus.Scanning ? ScanState.Running
            : j.Status == ScanStatus.Completed ? ScanState.Completed : ScanState.Failed,
            j.StartedAt ?? j.CreatedAt, j.CompletedAt, j.ErrorMessage, j.TotalSecretsFound, 0, 0, 0, 0, 0, j.TotalSecretsFound, ScanOrigin.Trigger,
            null, "deployguard", null, j.ServiceId, j.Service!.Name, j.CommitSha, null, j.Id, j.TotalSecretsFound + j.SuppressedCount, 0, 0, 0, 0,
            j.DurationMs, j.CreatedByName, j.CreatedAt));

    /// <summary>Where a repository URL or path lives, for the clone's transport rules (a local path is cloned only as Local).</summary>
    public static SourcePlatform PlatformOf(string source) => source switch
    {
        _ when source.StartsWith('/') => SourcePlatform.Local,
        _ when source.Contains("github", StringComparison.OrdinalIgnoreCase) => SourcePlatform.GitHub,
        _ when source.Contains("gitlab", StringComparison.OrdinalIgnoreCase) => SourcePlatform.GitLab,
        _ when source.Contains("bitbucket", StringComparison.OrdinalIgnoreCase) => SourcePlatform.Bitbucket,
        _ => SourcePlatform.GitHub,
    };

    private static string ExampleCommand(ScanKind kind) => kind switch
    {
        ScanKind.Container => "trivy image --format json --quiet {target}",
        ScanKind.Sbom => "grype sbom:{target} -o json",
        ScanKind.K8s => "trivy k8s --format json --report all {target}",
        _ => "trivy vm --format json --quiet {target}",
    };
}
