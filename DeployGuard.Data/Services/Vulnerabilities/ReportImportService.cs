using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Reports;
using DeployGuard.Scanning.Vulnerabilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>
/// Imports scanner reports in one transaction: the report streams into a staging table with binary COPY while it is
/// parsed, then set-based statements merge it into the scope's findings (one row per identity, see
/// <see cref="ReportResult.Identity"/>), mark what the scanner no longer reports as fixed, and record the scan's own
/// copy of each finding. Secrets go to the secret findings through <see cref="SecretFindingStore"/>, hashed as the
/// built-in scanner hashes them and keyed with the installation's <see cref="SecretHashKey"/>. A report that turns out
/// broken anywhere stores nothing.
/// </summary>
public sealed partial class ReportImportService(
    IDbContextFactory<ApplicationDbContext> contextFactory,
    AuditWriter audit,
    TimeProvider clock,
    IOptions<ScanningOptions> options,
    SecretHashKey hashKey)
{
    public long MaxReportBytes => options.Value.MaxReportBytes;

    public async Task<Result<ImportResult>> ImportAsync(ImportRequest request, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<ImportResult>.Forbidden("Only admins and engineers (or their API tokens) can import scanner reports.");
        }

        var errors = new Dictionary<string, string[]>();
        var commit = string.IsNullOrWhiteSpace(request.CommitSha) ? null : request.CommitSha.Trim().ToLowerInvariant();
        if (commit is not null && !CommitPattern().IsMatch(commit))
        {
            errors.Add("commit", "A commit is 7 to 64 hexadecimal characters.");
        }

        ScanKind? scanType = null;
        if (!string.IsNullOrWhiteSpace(request.ScanType))
        {
            if (ScanKinds.TryParse(request.ScanType, out ScanKind kind))
            {
                scanType = kind;
            }
            else
            {
                errors.Add("scan_type", "scan_type is one of git_repo, container, vm, sbom, k8s.");
            }
        }

        var target = string.IsNullOrWhiteSpace(request.Target) ? null : request.Target.Trim();
        if (target is { Length: > FieldLengthsTarget })
        {
            errors.Add("target", $"target is at most {FieldLengthsTarget} characters.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var service = await FindServiceAsync(db, request, errors, ct);
        if (errors.Count > 0)
        {
            return Result<ImportResult>.Invalid(errors);
        }

        if (service is not null && !await TeamAccess.MayOperateAsync(db, service.Id, caller, ct))
        {
            return Result<ImportResult>.Forbidden("Only admins and engineers of the service's team can import reports for it.");
        }

        var started = Stopwatch.GetTimestamp();
        var now = clock.GetUtcNow();
        Scan? into = null;
        if (request.IntoScanId is { } intoId)
        {
            into = await db.Scans.FirstOrDefaultAsync(s => s.Id == intoId && s.Status == ScanState.Running, ct);
            if (into is null)
            {
                return Result<ImportResult>.NotFound("The scan to import into does not exist or is not running.");
            }
        }

        var scan = into ?? new Scan
        {
            Id = Guid.CreateVersion7(),
            Status = ScanState.Running,
            StartedAt = now,
            CreatedAt = now,
            Origin = request.Origin,
            ServiceId = service?.Id,
            CommitSha = commit,
            DeploymentId = request.DeploymentId,
            CreatedById = caller.UserId,
            CreatedByName = caller.UserName,
            Target = "",
            ScopeKey = "",
        };

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        ParsedReport report;
        Staged staged;
        try
        {
            report = ReportReader.Open(request.Report, request.Format, MaxReportBytes);
            await CreateStageAsync(connection, ct);
            // DG_IMPORT_TRACE=1: the CPU each side spent on this step (the server ingests the COPY while the client parses).
            var tracePid = Tracing ? await BackendPidAsync(connection, ct) : 0;
            var clientCpu = Environment.CpuUsage.TotalTime;
            var serverCpu = Tracing ? BackendCpuMs(tracePid) : 0;
            staged = await StageAsync(connection, report, ct);
            Trace(started, "parse and COPY into the staging table");
            if (Tracing)
            {
                Console.Error.WriteLine($"import trace: parse and COPY: client CPU {(Environment.CpuUsage.TotalTime - clientCpu).TotalMilliseconds:0} ms, " +
                                        $"server CPU {BackendCpuMs(tracePid) - serverCpu:0} ms");
            }
        }
        catch (ReportFormatException e)
        {
            // Nothing was written that the rollback (on dispose) does not take back.
            return Result<ImportResult>.Invalid("file", $"{e.Format}: {e.Message}");
        }

        var header = report.Header;
        scan.Format = header.Format.WireName();
        scan.Scanner = ScannerName(header);
        scan.ScannerVersion = header.ToolVersion.Truncate(FieldLengthsVersion);
        scan.Target = (target ?? header.Target ?? service?.Name ?? request.FileName ?? "uploaded report").Truncate(FieldLengthsTarget);
        scan.ScanType = into?.ScanType ?? scanType ?? Infer(header);
        scan.ScopeKey = service is not null ? $"service:{service.Id}" : $"target:{scan.Target}";
        scan.ResultsInReport = header.ResultsInReport;
        if (into is null)
        {
            db.Scans.Add(scan);
        }

        await db.SaveChangesAsync(ct);

        // Imports of one scope and scanner run one at a time: "fixed" means "not in the latest scan".
        await db.Database.LockAsync("findings:" + scan.ScopeKey + "\n" + scan.Scanner, ct);
        var merge = await MergeAsync(connection, scan, service?.Id, now, staged, ct);
        Trace(started, "merge");

        var secrets = staged.Secrets;
        var secretResult = new SecretMerge(0, 0, 0);
        if (secrets.Count > 0)
        {
            secretResult = await RecordSecretsAsync(db, scan, service, secrets, now, ct);
        }

        var bySeverity = new Dictionary<string, int>(merge.BySeverity);
        foreach (var secret in secrets.Where(s => !s.IsSuppressed).GroupBy(s => Severities.Name(s.Severity)))
        {
            bySeverity[secret.Key] = bySeverity.GetValueOrDefault(secret.Key) + secret.Select(s => FindingIdentity.Secret(s.SecretHash, s.FilePath)).Distinct().Count();
        }

        var distinctSecrets = secrets.Select(s => FindingIdentity.Secret(s.SecretHash, s.FilePath)).Distinct().Count();
        scan.Status = ScanState.Completed;
        scan.CompletedAt = clock.GetUtcNow();
        scan.DurationMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        scan.FindingsCount = merge.Findings + distinctSecrets;
        scan.SecretCount = distinctSecrets;
        scan.NewCount = merge.New + secretResult.New;
        scan.UnchangedCount = merge.Unchanged + secretResult.Unchanged;
        scan.ReopenedCount = merge.Reopened + secretResult.Reopened;
        scan.FixedCount = merge.Fixed;
        scan.CriticalCount = bySeverity.GetValueOrDefault("critical");
        scan.HighCount = bySeverity.GetValueOrDefault("high");
        scan.MediumCount = bySeverity.GetValueOrDefault("medium");
        scan.LowCount = bySeverity.GetValueOrDefault("low");
        scan.InfoCount = bySeverity.GetValueOrDefault("info");
        var result = new ImportResult(scan.Id, scan.Format, scan.Scanner, scan.Target, header.ResultsInReport, scan.FindingsCount, scan.NewCount,
            scan.UnchangedCount, scan.ReopenedCount, scan.FixedCount, distinctSecrets, bySeverity);
        scan.ResultJson = JsonSerializer.Serialize(new
        {
            format = scan.Format,
            scanner = scan.Scanner,
            scanner_version = scan.ScannerVersion,
            report_bytes = header.Bytes,
            results_in_report = header.ResultsInReport,
            not_findings = header.Skipped,
            findings = scan.FindingsCount,
            @new = scan.NewCount,
            unchanged = scan.UnchangedCount,
            reopened = scan.ReopenedCount,
            @fixed = scan.FixedCount,
            secrets = distinctSecrets,
            suppressed = merge.Suppressed + secrets.Count(s => s.IsSuppressed),
            by_severity = bySeverity,
            secret_scan_job = scan.ScanJobId,
        });
        // A git repository scan's dependency part: its scan ends with its last part.
        await ScanLinks.SettleParentAsync(db, scan, scan.CompletedAt.Value, ct);
        audit.Add(db, caller.Actor, AuditActions.ScanImported, ResourceTypes.Scan, scan.Id.ToString(), new
        {
            scan.Format, scan.Scanner, scan.Target, service = service?.Name, commit, results = header.ResultsInReport, findings = scan.FindingsCount,
            @new = scan.NewCount, scan.UnchangedCount, scan.ReopenedCount, @fixed = scan.FixedCount, secrets = distinctSecrets,
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<ImportResult>.Ok(result);
    }

    private static bool Tracing => Environment.GetEnvironmentVariable("DG_IMPORT_TRACE") == "1";

    private static void Trace(long started, string step)
    {
        if (Tracing)
        {
            Console.Error.WriteLine($"import trace: {Stopwatch.GetElapsedTime(started).TotalMilliseconds,6:0} ms  after {step} " +
                                    $"(process CPU {Environment.CpuUsage.TotalTime.TotalMilliseconds:0} ms)");
        }
    }

    private const int FieldLengthsTarget = 500;
    private const int FieldLengthsVersion = 100;

    private static async Task<Service?> FindServiceAsync(ApplicationDbContext db, ImportRequest request, Dictionary<string, string[]> errors,
        CancellationToken ct)
    {
        if (request.ServiceId is { } id)
        {
            var byId = await db.Services.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
            if (byId is null)
            {
                errors.Add("service", "This service does not exist.");
            }

            return byId;
        }

        if (string.IsNullOrWhiteSpace(request.ServiceName))
        {
            return null;
        }

        var name = request.ServiceName.Trim();
        var service = await db.Services.AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, ct);
        if (service is null)
        {
            errors.Add("service", $"There is no service named '{name}'.");
        }

        return service;
    }

    private static string ScannerName(ReportHeader header)
    {
        var tool = header.Tool.Trim().ToLowerInvariant();
        return (tool.Length > 0 ? tool : header.Format.WireName()).Truncate(100);
    }

    /// <summary>seed 02's scan_type from what the report says it scanned.</summary>
    private static ScanKind Infer(ReportHeader header) => (header.Format, header.TargetType?.ToLowerInvariant()) switch
    {
        (_, "container_image" or "image" or "container") => ScanKind.Container,
        (_, "kubernetes" or "k8s") => ScanKind.K8s,
        (_, "vm") => ScanKind.Vm,
        (ReportFormat.CycloneDx, _) => ScanKind.Sbom,
        _ => ScanKind.GitRepo,
    };

    private async Task<SecretMerge> RecordSecretsAsync(ApplicationDbContext db, Scan scan, Service? service, List<Finding> secrets, DateTimeOffset now,
        CancellationToken ct)
    {
        // The secret part of a report becomes a completed secret-scan job of the repository, so the secret findings
        // page, triage, learning, cleaning and the deployment gate treat it like the built-in scanner's.
        var source = service?.RepositoryUrl is { Length: > 0 } url ? url : scan.Target;
        var job = new ScanJob
        {
            Id = Guid.CreateVersion7(),
            CreatedById = scan.CreatedById,
            CreatedByName = scan.CreatedByName,
            SourcePlatform = SourcePlatform.Local,
            SourceUrl = source.Truncate(500),
            ServiceId = service?.Id,
            CommitSha = scan.CommitSha,
            Status = ScanStatus.Completed,
            TotalSecretsFound = secrets.Count(s => !s.IsSuppressed),
            SuppressedCount = secrets.Count(s => s.IsSuppressed),
            CreatedAt = now,
            StartedAt = now,
            CompletedAt = now,
            DurationMs = 0,
        };
        db.ScanJobs.Add(job);
        scan.ScanJobId = job.Id;
        await db.SaveChangesAsync(ct);
        var scope = SecretFindingStore.RepositoryScope(job.SourceUrl);
        await SecretFindingStore.LockScopeAsync(db, scope, ct);
        // gitleaks/trufflehog secrets carry SHA-256 like the scanner's own; keyed with the same installation key, so an
        // imported secret and a scanned one are the same finding.
        var merge = await SecretFindingStore.RecordAsync(db, hashKey, job.Id, scope, secrets.Select(SecretFindingStore.ToEntity).ToList(), now, ct);
        await db.SaveChangesAsync(ct);
        return merge;
    }

    [GeneratedRegex("^[0-9a-f]{7,64}$")]
    private static partial Regex CommitPattern();
}
