using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Releases;

/// <summary>Releases of services. Engineers and admins create them; everyone reads them.</summary>
public sealed class ReleaseService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit)
{
    public async Task<Paged<ReleaseRow>> ListAsync(ReleaseQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var releases = db.Releases.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            releases = releases.Where(Like.Contains<Release>(query.Search, r => r.Version, r => r.Service!.Name, r => r.CommitSha, r => r.Branch));
        }

        if (query.ServiceId is { } serviceId)
        {
            releases = releases.Where(r => r.ServiceId == serviceId);
        }

        if (query.Status is { } status)
        {
            releases = releases.Where(r => r.Status == status);
        }

        var total = await releases.CountAsync(ct);
        releases = (query.SortBy, query.Descending) switch
        {
            (nameof(ReleaseRow.Version), false) => releases.OrderBy(r => r.Service!.Name).ThenBy(r => r.VersionSortKey),
            (nameof(ReleaseRow.Version), true) => releases.OrderBy(r => r.Service!.Name).ThenByDescending(r => r.VersionSortKey),
            (nameof(ReleaseRow.ServiceName), false) => releases.OrderBy(r => r.Service!.Name).ThenByDescending(r => r.VersionSortKey),
            (nameof(ReleaseRow.ServiceName), true) => releases.OrderByDescending(r => r.Service!.Name).ThenByDescending(r => r.VersionSortKey),
            (nameof(ReleaseRow.Status), false) => releases.OrderBy(r => r.Status).ThenByDescending(r => r.CreatedAt),
            (nameof(ReleaseRow.Status), true) => releases.OrderByDescending(r => r.Status).ThenByDescending(r => r.CreatedAt),
            (nameof(ReleaseRow.CreatedAt), false) => releases.OrderBy(r => r.CreatedAt),
            _ => releases.OrderByDescending(r => r.CreatedAt),
        };
        var items = await releases.Skip(query.SafeSkip).Take(query.SafeTake)
            .Select(r => new ReleaseRow(r.Id, r.ServiceId, r.Service!.Name, r.Version, r.Status, r.Branch, r.CommitSha, r.CreatedByName, r.CreatedAt))
            .ToListAsync(ct);
        return new Paged<ReleaseRow>(items, total);
    }

    /// <summary>A service's releases, newest version first (for pickers).</summary>
    public async Task<IReadOnlyList<ReleaseRow>> OfServiceAsync(Guid serviceId, int take = 100, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Releases.AsNoTracking().Where(r => r.ServiceId == serviceId).OrderByDescending(r => r.VersionSortKey).Take(take)
            .Select(r => new ReleaseRow(r.Id, r.ServiceId, r.Service!.Name, r.Version, r.Status, r.Branch, r.CommitSha, r.CreatedByName, r.CreatedAt))
            .ToListAsync(ct);
    }

    public async Task<ReleaseDetail?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var release = await db.Releases.AsNoTracking().Include(r => r.Service).FirstOrDefaultAsync(r => r.Id == id, ct);
        if (release is null)
        {
            return null;
        }

        var environments = await db.Environments.AsNoTracking().OrderBy(e => e.SortOrder).ThenBy(e => e.Name).ToListAsync(ct);
        var deployments = await db.Deployments.AsNoTracking().Where(d => d.ReleaseId == id && !d.IsDeleted)
            .Select(d => new { d.Id, d.EnvironmentId, d.Status, d.CreatedAt, d.CompletedAt, d.TriggeredByName })
            .ToListAsync(ct);
        var blocks = await db.BlockedReleases.AsNoTracking().Where(b => b.ReleaseId == id && b.UnblockedAt == null)
            .ToDictionaryAsync(b => b.EnvironmentId, b => b.Reason, ct);
        var rows = environments.Select(e =>
        {
            var here = deployments.Where(d => d.EnvironmentId == e.Id).OrderByDescending(d => d.CreatedAt).ToList();
            var latest = here.FirstOrDefault();
            return new ReleaseEnvironmentRow(e.Id, e.Name, e.SortOrder, e.IsProtected, latest?.Id, latest?.Status,
                latest is null ? null : latest.CompletedAt ?? latest.CreatedAt, latest?.TriggeredByName, here.Count, blocks.GetValueOrDefault(e.Id));
        }).ToList();

        return new ReleaseDetail(release.Id, release.ServiceId, release.Service!.Name, release.Version, release.Status, release.Notes,
            ReleaseNotes.ToHtml(release.Notes), release.CommitSha, release.Branch, release.CommitAuthor, release.CommitMessage, release.CommittedAt,
            release.CreatedByName, release.CreatedAt, rows);
    }

    /// <summary>Whether the caller may release and deploy this service (for enabling buttons; the operations check again).</summary>
    public async Task<bool> CanOperateAsync(Guid serviceId, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await TeamAccess.MayOperateAsync(db, serviceId, caller, ct);
    }

    public async Task<Result<ReleaseDetail>> CreateAsync(ReleaseInput input, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<ReleaseDetail>.Forbidden("Only engineers and admins can create releases.");
        }

        var errors = InputValidator.Validate(input);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        Service? service = null;
        if (input.ServiceId is { } serviceId)
        {
            service = await db.Services.FirstOrDefaultAsync(s => s.Id == serviceId, ct);
            if (service is null)
            {
                errors.Add(nameof(ReleaseInput.ServiceId), $"Service {serviceId} does not exist.");
            }
            else if (!await TeamAccess.MayOperateAsync(db, service.Id, caller, ct))
            {
                return Result<ReleaseDetail>.Forbidden(TeamAccess.Denied);
            }
        }

        var version = input.Version.Trim();
        if (service is not null && !errors.ContainsKey(nameof(ReleaseInput.Version)) &&
            await db.Releases.AnyAsync(r => r.ServiceId == service.Id && r.Version == version, ct))
        {
            errors.Add(nameof(ReleaseInput.Version), $"{service.Name} already has a release {version}.");
        }

        if (errors.Count > 0)
        {
            return Result<ReleaseDetail>.Invalid(errors);
        }

        var release = new Release
        {
            Id = Guid.CreateVersion7(),
            ServiceId = service!.Id,
            Version = version,
            VersionSortKey = VersionKey.For(version),
            Status = input.IsDraft ? ReleaseStatus.Draft : ReleaseStatus.Ready,
            Notes = string.IsNullOrWhiteSpace(input.Notes) ? null : input.Notes,
            CommitSha = input.CommitSha?.Trim().ToLowerInvariant() is { Length: > 0 } sha ? sha : null,
            Branch = string.IsNullOrWhiteSpace(input.Branch) ? service.DefaultBranch : input.Branch.Trim(),
            CommitAuthor = Blank(input.CommitAuthor),
            CommitMessage = Blank(input.CommitMessage),
            CommittedAt = input.CommittedAt,
            CreatedById = caller.UserId,
            CreatedByName = caller.UserName,
        };
        db.Releases.Add(release);
        audit.Add(db, caller.Actor, AuditActions.ReleaseCreated, ResourceTypes.Release, release.Id.ToString(),
            new { service = service.Name, release.Version, release.CommitSha, release.Branch, status = release.Status.ToString() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return Result<ReleaseDetail>.Invalid(nameof(ReleaseInput.Version), $"{service.Name} already has a release {version}.");
        }

        return Result<ReleaseDetail>.Ok((await GetAsync(release.Id, ct))!);
    }

    /// <summary>Marks a draft ready to deploy.</summary>
    public async Task<Result<ReleaseDetail>> MarkReadyAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var release = await db.Releases.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (release is null)
        {
            return Result<ReleaseDetail>.NotFound($"Release {id} does not exist.");
        }

        if (!await TeamAccess.MayOperateAsync(db, release.ServiceId, caller, ct))
        {
            return Result<ReleaseDetail>.Forbidden(TeamAccess.Denied);
        }

        if (release.Status != ReleaseStatus.Draft)
        {
            return Result<ReleaseDetail>.Invalid("", $"Release {release.Version} is {release.Status}, not a draft.");
        }

        release.Status = ReleaseStatus.Ready;
        audit.Add(db, caller.Actor, AuditActions.ReleaseUpdated, ResourceTypes.Release, id.ToString(),
            new { changes = new { status = new { from = "Draft", to = "Ready" } } });
        await db.SaveChangesAsync(ct);
        return Result<ReleaseDetail>.Ok((await GetAsync(id, ct))!);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
