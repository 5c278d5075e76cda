using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>Scan jobs: created by people (or uploads), run by the scan worker, watched through their progress.</summary>
public sealed class ScanJobService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock,
    IDataProtectionProvider dataProtection, IOptions<ScanningOptions> options, SecretHashKey hashKey, EventBus bus)
{
    public const string TokenPurpose = "DeployGuard.Scanning.AccessToken";

    /// <summary>Whether <paramref name="caller"/> may scan a folder on the server (the New scan page offers the source only then).</summary>
    public bool MayScanServerPaths(Caller caller) => caller.IsAdmin || caller.IsEngineer && options.Value.AllowLocalRepositories;

    public Task<Result<ScanJobRow>> CreateAsync(ScanJobInput input, Caller caller, CancellationToken ct = default) => CreateAsync(input, caller, null, ct);

    /// <param name="alongside">
    /// Adds rows that must commit in the job's transaction (a git repository scan's scan rows, ScanService): a worker may
    /// claim the job as soon as it commits, so anything the job reports into has to exist by then.
    /// </param>
    internal async Task<Result<ScanJobRow>> CreateAsync(ScanJobInput input, Caller caller, Action<ApplicationDbContext, ScanJob>? alongside, CancellationToken ct)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<ScanJobRow>.Forbidden("Only admins and engineers can start scans.");
        }

        var errors = InputValidator.Validate(input);
        if (input.SourcePlatform == SourcePlatform.Local && !errors.ContainsKey(nameof(ScanJobInput.SourceUrl)))
        {
            // Reading the server's disk is an admin's call unless local scanning is switched on for everyone.
            if (!MayScanServerPaths(caller))
            {
                errors.Add(nameof(ScanJobInput.SourceUrl), "Only admins can scan a path on the server.");
            }
            else if (!Directory.Exists(input.SourceUrl.Trim()))
            {
                errors.Add(nameof(ScanJobInput.SourceUrl), "No such folder on the server.");
            }
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (input.ServiceId is { } serviceId && !await db.Services.AnyAsync(s => s.Id == serviceId, ct))
        {
            errors.Add(nameof(ScanJobInput.ServiceId), "This service does not exist.");
        }

        if (errors.Count > 0)
        {
            return Result<ScanJobRow>.Invalid(errors);
        }

        var job = new ScanJob
        {
            Id = Guid.CreateVersion7(),
            CreatedById = caller.UserId,
            CreatedByName = caller.UserName,
            SourcePlatform = input.SourcePlatform,
            SourceUrl = input.SourceUrl.Trim(),
            Branch = string.IsNullOrWhiteSpace(input.Branch) ? null : input.Branch.Trim(),
            EncryptedAccessToken = string.IsNullOrWhiteSpace(input.AccessToken)
                ? null
                : dataProtection.CreateProtector(TokenPurpose).Protect(input.AccessToken.Trim()),
            ServiceId = input.ServiceId,
            CommitSha = string.IsNullOrWhiteSpace(input.CommitSha) ? null : input.CommitSha.Trim().ToLowerInvariant(),
            CreatedAt = clock.GetUtcNow(),
        };
        db.ScanJobs.Add(job);
        audit.Add(db, caller.Actor, AuditActions.ScanStarted, ResourceTypes.Scan, job.Id.ToString(),
            new
            {
                platform = job.SourcePlatform.ToString(), job.SourceUrl, job.Branch, job.ServiceId, job.CommitSha,
                privateRepository = job.EncryptedAccessToken is not null,
            });
        JobQueue.Enqueue(db, ScanJobQueue.ScanJobKind, job.CreatedAt, job.Id);
        alongside?.Invoke(db, job);
        await db.SaveChangesAsync(ct);
        await bus.PublishAsync(Topics.Scans, ScanEvent.Of(ScanEventKind.Queued, job), ct);
        return Result<ScanJobRow>.Ok((await GetAsync(job.Id, ct))!);
    }

    /// <summary>
    /// Stores a scan that ran elsewhere (the CLI's upload) as a completed job with its findings, linked to the
    /// named service so the deployment security gate sees it.
    /// </summary>
    public async Task<Result<ScanJobRow>> RecordUploadAsync(UploadedScan upload, IReadOnlyList<SecretFinding> findings, Caller caller,
        CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<ScanJobRow>.Forbidden("Only admins and engineers (or their API tokens) can upload scans.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        Guid? serviceId = null;
        if (!string.IsNullOrWhiteSpace(upload.ServiceName))
        {
            serviceId = await db.Services.Where(s => s.Name == upload.ServiceName.Trim()).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
            if (serviceId is null)
            {
                return Result<ScanJobRow>.Invalid("service", $"There is no service named '{upload.ServiceName}'.");
            }
        }

        var now = clock.GetUtcNow();
        var job = new ScanJob
        {
            Id = Guid.CreateVersion7(),
            CreatedById = caller.UserId,
            CreatedByName = caller.UserName,
            SourcePlatform = upload.Platform,
            SourceUrl = upload.Source.Truncate(500),
            Branch = upload.Branch.Truncate(100),
            CommitSha = upload.CommitSha?.ToLowerInvariant(),
            ServiceId = serviceId,
            Status = ScanStatus.Completed,
            CommitsTotal = upload.Commits,
            CommitsDone = upload.Commits,
            FilesTotal = upload.Files,
            FilesDone = upload.Files,
            TotalSecretsFound = findings.Count(f => !f.Suppressed),
            SuppressedCount = findings.Count(f => f.Suppressed),
            CreatedAt = now,
            StartedAt = upload.StartedAt,
            CompletedAt = upload.CompletedAt,
            DurationMs = (long)(upload.CompletedAt - upload.StartedAt).TotalMilliseconds,
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.ScanJobs.Add(job);
        await db.SaveChangesAsync(ct);
        var scope = SecretFindingStore.RepositoryScope(job.SourceUrl);
        await SecretFindingStore.LockScopeAsync(db, scope, ct);
        // The CLI reports SHA-256; RecordAsync stores only the keyed hash.
        var merge = await SecretFindingStore.RecordAsync(db, hashKey, job.Id, scope, findings, now, ct);
        audit.Add(db, caller.Actor, AuditActions.ScanUploaded, ResourceTypes.Scan, job.Id.ToString(),
            new
            {
                job.SourceUrl, job.Branch, job.CommitSha, service = upload.ServiceName, findings = findings.Count, suppressed = job.SuppressedCount,
                merge.New, merge.Unchanged, merge.Reopened,
            });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await bus.PublishAsync([
            new Published(Topics.Scans, ScanEvent.Of(ScanEventKind.Completed, job)),
            new Published(Topics.Findings, new FindingsEvent(FindingsEventKind.Added, job.Id) { Count = findings.Count }),
        ], ct);
        return Result<ScanJobRow>.Ok((await GetAsync(job.Id, ct))!);
    }

    public async Task<ScanJobRow?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await Rows(db.ScanJobs.AsNoTracking().Where(j => j.Id == id)).FirstOrDefaultAsync(ct);
    }

    public async Task<Paged<ScanJobRow>> ListAsync(ScanJobQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var jobs = db.ScanJobs.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            jobs = jobs.Where(Like.Contains<ScanJob>(query.Search, j => j.SourceUrl, j => j.Service!.Name));
        }

        if (query.Status is { } status)
        {
            jobs = jobs.Where(j => j.Status == status);
        }

        if (query.ServiceId is { } serviceId)
        {
            jobs = jobs.Where(j => j.ServiceId == serviceId);
        }

        var total = await jobs.CountAsync(ct);
        jobs = (query.SortBy, query.Descending) switch
        {
            (nameof(ScanJobRow.SourceUrl), false) => jobs.OrderBy(j => j.SourceUrl),
            (nameof(ScanJobRow.SourceUrl), true) => jobs.OrderByDescending(j => j.SourceUrl),
            (nameof(ScanJobRow.TotalSecretsFound), false) => jobs.OrderBy(j => j.TotalSecretsFound),
            (nameof(ScanJobRow.TotalSecretsFound), true) => jobs.OrderByDescending(j => j.TotalSecretsFound),
            (nameof(ScanJobRow.Status), false) => jobs.OrderBy(j => j.Status).ThenByDescending(j => j.CreatedAt),
            (nameof(ScanJobRow.Status), true) => jobs.OrderByDescending(j => j.Status).ThenByDescending(j => j.CreatedAt),
            (nameof(ScanJobRow.CreatedAt), false) => jobs.OrderBy(j => j.CreatedAt),
            _ => jobs.OrderByDescending(j => j.CreatedAt),
        };
        var items = await Rows(jobs.Skip(query.SafeSkip).Take(query.SafeTake)).ToListAsync(ct);
        return new Paged<ScanJobRow>(items, total);
    }

    /// <summary>The decrypted access token, for the worker only.</summary>
    public string? RevealAccessToken(string? encrypted) =>
        encrypted is null ? null : dataProtection.CreateProtector(TokenPurpose).Unprotect(encrypted);

    private static IQueryable<ScanJobRow> Rows(IQueryable<ScanJob> jobs) =>
        jobs.Select(j => new ScanJobRow(j.Id, j.SourcePlatform, j.SourceUrl, j.Branch, j.Service!.Name, j.ServiceId, j.CommitSha, j.Status,
            j.CommitsTotal, j.CommitsDone, j.FilesTotal, j.FilesDone, j.TotalSecretsFound, j.SuppressedCount, j.ErrorMessage, j.CreatedByName,
            j.CreatedAt, j.StartedAt, j.CompletedAt, j.DurationMs, j.EncryptedAccessToken != null));
}
