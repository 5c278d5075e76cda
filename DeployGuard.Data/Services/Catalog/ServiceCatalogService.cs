using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Catalog;

/// <summary>Services (what gets deployed). Admins edit all; Engineers edit the services of their own teams.</summary>
public sealed class ServiceCatalogService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit)
{
    public async Task<Paged<ServiceRow>> ListAsync(ServiceQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var services = db.Services.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            services = services.Where(Like.Contains<Service>(query.Search, s => s.Name, s => s.Description, s => s.RepositoryUrl));
        }

        if (query.TeamId is { } teamId)
        {
            services = services.Where(s => s.TeamId == teamId);
        }

        if (query.Runtime is { } runtime)
        {
            services = services.Where(s => s.Runtime == runtime);
        }

        var total = await services.CountAsync(ct);
        // Sort the entities, then project: EF cannot order by members of a positional record.
        services = (query.SortBy, query.Descending) switch
        {
            (nameof(ServiceRow.TeamName), false) => services.OrderBy(s => s.Team!.Name).ThenBy(s => s.Name),
            (nameof(ServiceRow.TeamName), true) => services.OrderByDescending(s => s.Team!.Name).ThenBy(s => s.Name),
            (nameof(ServiceRow.Runtime), false) => services.OrderBy(s => s.Runtime).ThenBy(s => s.Name),
            (nameof(ServiceRow.Runtime), true) => services.OrderByDescending(s => s.Runtime).ThenBy(s => s.Name),
            (nameof(ServiceRow.OwnerName), false) => services.OrderBy(s => s.Owner!.DisplayName ?? s.Owner.UserName).ThenBy(s => s.Name),
            (nameof(ServiceRow.OwnerName), true) => services.OrderByDescending(s => s.Owner!.DisplayName ?? s.Owner.UserName).ThenBy(s => s.Name),
            (nameof(ServiceRow.DefaultBranch), false) => services.OrderBy(s => s.DefaultBranch).ThenBy(s => s.Name),
            (nameof(ServiceRow.DefaultBranch), true) => services.OrderByDescending(s => s.DefaultBranch).ThenBy(s => s.Name),
            (nameof(ServiceRow.CreatedAt), false) => services.OrderBy(s => s.CreatedAt),
            (nameof(ServiceRow.CreatedAt), true) => services.OrderByDescending(s => s.CreatedAt),
            (_, true) => services.OrderByDescending(s => s.Name),
            _ => services.OrderBy(s => s.Name),
        };
        var items = await services.Skip(query.SafeSkip).Take(query.SafeTake)
            .Select(s => new ServiceRow(s.Id, s.Name, s.Description, s.RepositoryUrl, s.DefaultBranch, s.Runtime,
                s.AutoDeployEnabled, s.TeamId, s.Team!.Name, s.Owner!.DisplayName ?? s.Owner.UserName, s.CreatedAt))
            .ToListAsync(ct);
        return new Paged<ServiceRow>(items, total);
    }

    public async Task<ServiceDetail?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Services.AsNoTracking().Where(s => s.Id == id)
            .Select(s => new ServiceDetail(s.Id, s.Name, s.Description, s.RepositoryUrl, s.DefaultBranch, s.BuildCommand, s.Runtime,
                s.AutoDeployEnabled, s.AutoDeployBranch, s.TeamId, s.Team!.Name, s.OwnerId, s.Owner!.DisplayName ?? s.Owner.UserName,
                s.CreatedAt, s.UpdatedAt, s.InternetFacing))
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>Whether the caller may edit or delete this service (for showing buttons; the operations check again).</summary>
    /// <summary>Whether <paramref name="caller"/> can create any service (admins; engineers who are in a team), for the pages' "New service".</summary>
    public async Task<bool> CanCreateAsync(Caller caller, CancellationToken ct = default)
    {
        if (caller.IsAdmin)
        {
            return true;
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return caller.IsEngineer && caller.UserId is not null && await db.TeamMembers.AnyAsync(m => m.UserId == caller.UserId, ct);
    }

    public async Task<bool> CanEditAsync(Guid? teamId, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await MayEditAsync(db, teamId, caller, ct);
    }

    public async Task<Result<ServiceDetail>> CreateAsync(ServiceInput input, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (!await MayEditAsync(db, input.TeamId, caller, ct))
        {
            return Result<ServiceDetail>.Forbidden(caller.IsEngineer
                ? "Engineers create services for one of their own teams: choose your team."
                : "Only admins and engineers can create services.");
        }

        var errors = await ValidateAsync(db, input, null, ct);
        if (errors.Count > 0)
        {
            return Result<ServiceDetail>.Invalid(errors);
        }

        var service = new Service { Id = Guid.CreateVersion7() };
        Apply(service, input);
        db.Services.Add(service);
        audit.Add(db, caller.Actor, AuditActions.ServiceCreated, ResourceTypes.Service, service.Id.ToString(),
            new
            {
                service.Name, service.RepositoryUrl, service.DefaultBranch, runtime = service.Runtime.ToString(), service.TeamId, service.OwnerId,
                service.AutoDeployEnabled, service.AutoDeployBranch, service.InternetFacing,
            });
        return await SaveAsync(db, service.Id, ct);
    }

    public async Task<Result<ServiceDetail>> UpdateAsync(Guid id, ServiceInput input, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<ServiceDetail>.Forbidden("Only admins and engineers of the service's team can edit services.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var service = await db.Services.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (service is null)
        {
            return Result<ServiceDetail>.NotFound($"Service {id} does not exist.");
        }

        // Both the current team and the new one must be the engineer's.
        if (!await MayEditAsync(db, service.TeamId, caller, ct) || !await MayEditAsync(db, input.TeamId, caller, ct))
        {
            return Result<ServiceDetail>.Forbidden("You can only edit services of your own teams.");
        }

        var errors = await ValidateAsync(db, input, id, ct);
        if (errors.Count > 0)
        {
            return Result<ServiceDetail>.Invalid(errors);
        }

        Apply(service, input);
        var changes = EntityChanges.Describe(db.Entry(service));
        if (changes.Count == 0)
        {
            return Result<ServiceDetail>.Ok((await GetAsync(id, ct))!);
        }

        audit.Add(db, caller.Actor, AuditActions.ServiceUpdated, ResourceTypes.Service, id.ToString(),
            new { changes });
        return await SaveAsync(db, id, ct);
    }

    public async Task<Result<Unit>> DeleteAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin && !caller.IsEngineer)
        {
            return Result<Unit>.Forbidden("Only admins and engineers of the service's team can delete services.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var service = await db.Services.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (service is null)
        {
            return Result<Unit>.NotFound($"Service {id} does not exist.");
        }

        if (!await MayEditAsync(db, service.TeamId, caller, ct))
        {
            return Result<Unit>.Forbidden("You can only delete services of your own teams.");
        }

        db.Services.Remove(service);
        audit.Add(db, caller.Actor, AuditActions.ServiceDeleted, ResourceTypes.Service, id.ToString(),
            new { service.Name });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsForeignKeyViolation())
        {
            return Result<Unit>.Invalid("", $"Service '{service.Name}' has releases or deployments and cannot be deleted.");
        }

        return Result<Unit>.Ok(Unit.Value);
    }

    private static async Task<bool> MayEditAsync(ApplicationDbContext db, Guid? teamId, Caller caller, CancellationToken ct)
    {
        if (caller.IsAdmin)
        {
            return true;
        }

        if (!caller.IsEngineer || teamId is null || caller.UserId is null)
        {
            return false;
        }

        return await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == caller.UserId, ct);
    }

    private static void Apply(Service service, ServiceInput input)
    {
        service.Name = input.Name.Trim();
        service.Description = Normalize(input.Description);
        service.RepositoryUrl = Normalize(input.RepositoryUrl);
        service.DefaultBranch = input.DefaultBranch.Trim();
        service.BuildCommand = Normalize(input.BuildCommand);
        service.Runtime = input.Runtime;
        service.AutoDeployEnabled = input.AutoDeployEnabled;
        service.AutoDeployBranch = Normalize(input.AutoDeployBranch);
        service.InternetFacing = input.InternetFacing;
        service.TeamId = input.TeamId;
        service.OwnerId = Normalize(input.OwnerId);
    }

    private async Task<Result<ServiceDetail>> SaveAsync(ApplicationDbContext db, Guid id, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return Result<ServiceDetail>.Invalid(nameof(ServiceInput.Name), "A service with this name already exists.");
        }

        return Result<ServiceDetail>.Ok((await GetAsync(id, ct))!);
    }

    private static async Task<Dictionary<string, string[]>> ValidateAsync(ApplicationDbContext db, ServiceInput input, Guid? id, CancellationToken ct)
    {
        var errors = InputValidator.Validate(input);
        if (!errors.ContainsKey(nameof(ServiceInput.Name)))
        {
            var name = input.Name.Trim();
            if (await db.Services.AnyAsync(s => s.Id != id && s.Name.ToLower() == name.ToLower(), ct))
            {
                errors.Add(nameof(ServiceInput.Name), "A service with this name already exists.");
            }
        }

        if (input.TeamId is { } teamId && !await db.Teams.AnyAsync(t => t.Id == teamId, ct))
        {
            errors.Add(nameof(ServiceInput.TeamId), "This team does not exist.");
        }

        if (!string.IsNullOrWhiteSpace(input.OwnerId) && !await db.Users.AnyAsync(u => u.Id == input.OwnerId, ct))
        {
            errors.Add(nameof(ServiceInput.OwnerId), "This user does not exist.");
        }

        return errors;
    }

    private static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
