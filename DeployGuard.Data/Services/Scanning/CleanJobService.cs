using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using Microsoft.EntityFrameworkCore;
using System.Text.Json;

namespace DeployGuard.Data.Services.Scanning;

public sealed record CleanJobRow(Guid Id, Guid ScanJobId, ScanStatus Status, int FindingCount, int ReplacementCount, int? RemainingAfterRescan,
    long? BundleSize, bool HasBundle, string? ErrorMessage, string? RequestedByName, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt,
    int? SecretsSelected = null, int? SecretsCleaned = null, int? CommitsChanged = null, int? OtherFindingsRemaining = null,
    string? RescanFindingsJson = null)
{
    /// <summary>The re-scan's findings in the cleaned copy (selected ones first); empty for cleanings made before it was kept.</summary>
    public IReadOnlyList<RescanFinding> RescanFindings => RescanFindingsJson is null ? [] : JsonSerializer.Deserialize<List<RescanFinding>>(RescanFindingsJson) ?? [];

    /// <summary>Clean means: no selected secret left and nothing else found either. Unknown (old cleanings) is not clean.</summary>
    public bool VerifiedClean => Status == ScanStatus.Completed && RemainingAfterRescan == 0 && OtherFindingsRemaining == 0;
}

/// <summary>Requests for a cleaned copy of a scanned repository, without the findings selected for cleaning.</summary>
public sealed class CleanJobService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock, EventBus bus)
{
    public async Task<Result<CleanJobRow>> RequestAsync(Guid scanJobId, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<CleanJobRow>.Forbidden("Only admins and engineers can clean repositories.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scan = await db.ScanJobs.FirstOrDefaultAsync(j => j.Id == scanJobId, ct);
        if (scan is null)
        {
            return Result<CleanJobRow>.NotFound("This scan does not exist.");
        }

        if (scan.Status != ScanStatus.Completed)
        {
            return Result<CleanJobRow>.Invalid("", "Wait for the scan to complete before cleaning.");
        }

        var selected = await db.SecretFindings.CountAsync(f => f.SelectedForCleaning
            && db.SecretFindingSightings.Any(s => s.JobId == scanJobId && s.FindingId == f.Id), ct);
        if (selected == 0)
        {
            return Result<CleanJobRow>.Invalid("", "Select at least one finding for cleaning first.");
        }

        if (await db.CleanJobs.AnyAsync(c => c.ScanJobId == scanJobId && (c.Status == ScanStatus.Pending || c.Status == ScanStatus.Scanning), ct))
        {
            return Result<CleanJobRow>.Invalid("", "A cleaning of this repository is already running.");
        }

        var job = new CleanJob
        {
            Id = Guid.CreateVersion7(),
            ScanJobId = scanJobId,
            RequestedById = caller.UserId,
            RequestedByName = caller.UserName,
            FindingCount = selected,
            CreatedAt = clock.GetUtcNow(),
        };
        db.CleanJobs.Add(job);
        audit.Add(db, caller.Actor, AuditActions.CleanRequested, ResourceTypes.Scan, scanJobId.ToString(), new { cleanJobId = job.Id, findings = selected });
        JobQueue.Enqueue(db, ScanJobQueue.CleanJobKind, job.CreatedAt, job.Id);
        await db.SaveChangesAsync(ct);
        await bus.PublishAsync(Topics.Cleanings, CleaningEvent.Of(CleaningEventKind.Requested, job), ct);
        return Result<CleanJobRow>.Ok((await GetAsync(job.Id, ct))!);
    }

    public async Task<CleanJobRow?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await Rows(db.CleanJobs.AsNoTracking().Where(c => c.Id == id)).FirstOrDefaultAsync(ct);
    }

    public async Task<IReadOnlyList<CleanJobRow>> ForScanAsync(Guid scanJobId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await Rows(db.CleanJobs.AsNoTracking().Where(c => c.ScanJobId == scanJobId).OrderByDescending(c => c.CreatedAt)).ToListAsync(ct);
    }

    /// <summary>
    /// Who may download a scan's cleaned bundles (the repository's whole history): admins; for a scan linked to a
    /// service, the engineers who operate it (TeamAccess); for a scan without a service, whoever started the scan or
    /// requested the cleaning.
    /// </summary>
    public async Task<bool> MayDownloadAsync(Guid scanJobId, Caller caller, CancellationToken ct = default)
    {
        if (caller.ServiceScope is not null)
        {
            return false;
        }

        if (caller.IsAdmin)
        {
            return true;
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scan = await db.ScanJobs.AsNoTracking().Where(j => j.Id == scanJobId).Select(j => new { j.ServiceId, j.CreatedById }).FirstOrDefaultAsync(ct);
        if (scan is null || !caller.IsEngineer || caller.UserId is null)
        {
            return false;
        }

        return scan.ServiceId is { } serviceId
            ? await TeamAccess.MayOperateAsync(db, serviceId, caller, ct)
            : scan.CreatedById == caller.UserId || await db.CleanJobs.AnyAsync(c => c.ScanJobId == scanJobId && c.RequestedById == caller.UserId, ct);
    }

    /// <summary>The size of a completed cleaning's bundle, or null when the scan has no such cleaning or it has no bundle.</summary>
    public async Task<long?> BundleSizeAsync(Guid scanJobId, Guid cleanJobId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.CleanJobs.AsNoTracking()
            .Where(c => c.Id == cleanJobId && c.ScanJobId == scanJobId && c.Status == ScanStatus.Completed)
            .Select(c => c.BundleSize).FirstOrDefaultAsync(ct);
    }

    /// <summary>Writes a cleaning's bundle to <paramref name="destination"/> piece by piece (one piece in memory at a time).</summary>
    public async Task CopyBundleAsync(Guid cleanJobId, Stream destination, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await foreach (var piece in db.CleanBundleChunks.AsNoTracking().Where(c => c.CleanJobId == cleanJobId).OrderBy(c => c.Seq)
                           .Select(c => c.Data).AsAsyncEnumerable().WithCancellation(ct))
        {
            await destination.WriteAsync(piece, ct);
        }
    }

    private static IQueryable<CleanJobRow> Rows(IQueryable<CleanJob> jobs) =>
        jobs.Select(c => new CleanJobRow(c.Id, c.ScanJobId, c.Status, c.FindingCount, c.ReplacementCount, c.RemainingAfterRescan, c.BundleSize,
            c.BundleSize != null, c.ErrorMessage, c.RequestedByName, c.CreatedAt, c.CompletedAt, c.SecretsSelected, c.SecretsCleaned, c.CommitsChanged,
            c.OtherFindingsRemaining, c.RescanFindings));
}
