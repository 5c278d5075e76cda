using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Catalog;

/// <summary>Deployment environments. Only admins change them: they carry the protection rules.</summary>
public sealed class EnvironmentService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit)
{
    public async Task<Paged<EnvironmentRow>> ListAsync(EnvironmentQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var environments = db.Environments.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            environments = environments.Where(Like.Contains<DeploymentEnvironment>(query.Search, e => e.Name, e => e.Description));
        }

        if (query.Type is { } type)
        {
            environments = environments.Where(e => e.Type == type);
        }

        var total = await environments.CountAsync(ct);
        environments = (query.SortBy, query.Descending) switch
        {
            (nameof(EnvironmentRow.Name), false) => environments.OrderBy(e => e.Name),
            (nameof(EnvironmentRow.Name), true) => environments.OrderByDescending(e => e.Name),
            (nameof(EnvironmentRow.Type), false) => environments.OrderBy(e => e.Type).ThenBy(e => e.SortOrder),
            (nameof(EnvironmentRow.Type), true) => environments.OrderByDescending(e => e.Type).ThenBy(e => e.SortOrder),
            (nameof(EnvironmentRow.RequiredApprovals), false) => environments.OrderBy(e => e.RequiredApprovals).ThenBy(e => e.SortOrder),
            (nameof(EnvironmentRow.RequiredApprovals), true) => environments.OrderByDescending(e => e.RequiredApprovals).ThenBy(e => e.SortOrder),
            (nameof(EnvironmentRow.IsProtected), false) => environments.OrderBy(e => e.IsProtected).ThenBy(e => e.SortOrder),
            (nameof(EnvironmentRow.IsProtected), true) => environments.OrderByDescending(e => e.IsProtected).ThenBy(e => e.SortOrder),
            (_, true) => environments.OrderByDescending(e => e.SortOrder).ThenBy(e => e.Name),
            _ => environments.OrderBy(e => e.SortOrder).ThenBy(e => e.Name),
        };
        var items = await environments.Skip(query.SafeSkip).Take(query.SafeTake).Select(e => ToRow(e)).ToListAsync(ct);
        return new Paged<EnvironmentRow>(items, total);
    }

    /// <summary>All environments in promotion order.</summary>
    public async Task<IReadOnlyList<EnvironmentRow>> AllAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Environments.AsNoTracking().OrderBy(e => e.SortOrder).ThenBy(e => e.Name).Select(e => ToRow(e)).ToListAsync(ct);
    }

    public async Task<EnvironmentRow?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Environments.AsNoTracking().Where(e => e.Id == id).Select(e => ToRow(e)).FirstOrDefaultAsync(ct);
    }

    public async Task<Result<EnvironmentRow>> CreateAsync(EnvironmentInput input, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<EnvironmentRow>.Forbidden("Only admins can create environments.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var errors = await ValidateAsync(db, input, null, ct);
        if (errors.Count > 0)
        {
            return Result<EnvironmentRow>.Invalid(errors);
        }

        var environment = new DeploymentEnvironment { Id = Guid.CreateVersion7() };
        Apply(environment, input);
        db.Environments.Add(environment);
        audit.Add(db, caller.Actor, AuditActions.EnvironmentCreated, ResourceTypes.Environment,
            environment.Id.ToString(),
            new
            {
                environment.Name, type = environment.Type.ToString(), environment.SortOrder, environment.IsProtected, environment.RequiredApprovals,
            });
        return await SaveAsync(db, environment.Id, ct);
    }

    public async Task<Result<EnvironmentRow>> UpdateAsync(Guid id, EnvironmentInput input, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<EnvironmentRow>.Forbidden("Only admins can edit environments.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var environment = await db.Environments.FirstOrDefaultAsync(e => e.Id == id, ct);
        if (environment is null)
        {
            return Result<EnvironmentRow>.NotFound($"Environment {id} does not exist.");
        }

        var errors = await ValidateAsync(db, input, id, ct);
        if (errors.Count > 0)
        {
            return Result<EnvironmentRow>.Invalid(errors);
        }

        Apply(environment, input);
        var changes = EntityChanges.Describe(db.Entry(environment));
        if (changes.Count == 0)
        {
            return Result<EnvironmentRow>.Ok((await GetAsync(id, ct))!);
        }

        audit.Add(db, caller.Actor, AuditActions.EnvironmentUpdated, ResourceTypes.Environment, id.ToString(),
            new { changes });
        return await SaveAsync(db, id, ct);
    }

    public async Task<Result<Unit>> DeleteAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins can delete environments.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var environment = await db.Environments.FirstOrDefaultAsync(e => e.Id == id, ct);
        if (environment is null)
        {
            return Result<Unit>.NotFound($"Environment {id} does not exist.");
        }

        db.Environments.Remove(environment);
        audit.Add(db, caller.Actor, AuditActions.EnvironmentDeleted, ResourceTypes.Environment, id.ToString(),
            new { environment.Name });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsForeignKeyViolation())
        {
            return Result<Unit>.Invalid("", $"Environment '{environment.Name}' has deployments and cannot be deleted.");
        }

        return Result<Unit>.Ok(Unit.Value);
    }

    private static EnvironmentRow ToRow(DeploymentEnvironment e) =>
        new(e.Id, e.Name, e.Description, e.Type, e.SortOrder, e.IsProtected, e.RequiredApprovals, e.CreatedAt, e.UpdatedAt);

    private static void Apply(DeploymentEnvironment environment, EnvironmentInput input)
    {
        environment.Name = input.Name.Trim();
        environment.Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        environment.Type = input.Type;
        environment.SortOrder = input.SortOrder;
        environment.IsProtected = input.IsProtected;
        environment.RequiredApprovals = input.RequiredApprovals;
    }

    private async Task<Result<EnvironmentRow>> SaveAsync(ApplicationDbContext db, Guid id, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return Result<EnvironmentRow>.Invalid(nameof(EnvironmentInput.Name), "An environment with this name already exists.");
        }

        return Result<EnvironmentRow>.Ok((await GetAsync(id, ct))!);
    }

    private static async Task<Dictionary<string, string[]>> ValidateAsync(ApplicationDbContext db, EnvironmentInput input, Guid? id,
        CancellationToken ct)
    {
        var errors = InputValidator.Validate(input);
        if (!errors.ContainsKey(nameof(EnvironmentInput.Name)))
        {
            var name = input.Name.Trim();
            if (await db.Environments.AnyAsync(e => e.Id != id && e.Name.ToLower() == name.ToLower(), ct))
            {
                errors.Add(nameof(EnvironmentInput.Name), "An environment with this name already exists.");
            }
        }

        return errors;
    }
}
