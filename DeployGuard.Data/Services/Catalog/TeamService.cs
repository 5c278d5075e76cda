using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Catalog;

public sealed class TeamService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    public async Task<Paged<TeamRow>> ListAsync(ListQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var teams = db.Teams.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            teams = teams.Where(Like.Contains<Team>(query.Search, t => t.Name, t => t.Description));
        }

        var total = await teams.CountAsync(ct);
        // Sort the entities, then project: EF cannot order by members of a positional record.
        teams = (query.SortBy, query.Descending) switch
        {
            (nameof(TeamRow.MemberCount), false) => teams.OrderBy(t => t.Members.Count).ThenBy(t => t.Name),
            (nameof(TeamRow.MemberCount), true) => teams.OrderByDescending(t => t.Members.Count).ThenBy(t => t.Name),
            (nameof(TeamRow.ServiceCount), false) => teams.OrderBy(t => t.Services.Count).ThenBy(t => t.Name),
            (nameof(TeamRow.ServiceCount), true) => teams.OrderByDescending(t => t.Services.Count).ThenBy(t => t.Name),
            (nameof(TeamRow.CreatedAt), false) => teams.OrderBy(t => t.CreatedAt),
            (nameof(TeamRow.CreatedAt), true) => teams.OrderByDescending(t => t.CreatedAt),
            (nameof(TeamRow.SlackChannel), false) => teams.OrderBy(t => t.SlackChannel).ThenBy(t => t.Name),
            (nameof(TeamRow.SlackChannel), true) => teams.OrderByDescending(t => t.SlackChannel).ThenBy(t => t.Name),
            (_, true) => teams.OrderByDescending(t => t.Name),
            _ => teams.OrderBy(t => t.Name),
        };
        var items = await teams.Skip(query.SafeSkip).Take(query.SafeTake)
            .Select(t => new TeamRow(t.Id, t.Name, t.Description, t.SlackChannel, t.Members.Count, t.Services.Count, t.CreatedAt))
            .ToListAsync(ct);
        return new Paged<TeamRow>(items, total);
    }

    /// <summary>All teams, for pickers.</summary>
    public async Task<IReadOnlyList<(Guid Id, string Name)>> NamesAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var list = await db.Teams.AsNoTracking().OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync(ct);
        return list.Select(t => (t.Id, t.Name)).ToList();
    }

    /// <summary>Teams the user belongs to (Engineers edit the services of these).</summary>
    public async Task<IReadOnlyList<Guid>> TeamsOfAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.TeamMembers.Where(m => m.UserId == userId).Select(m => m.TeamId).ToListAsync(ct);
    }

    public async Task<TeamDetail?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        if (team is null)
        {
            return null;
        }

        var members = await db.TeamMembers.AsNoTracking().Where(m => m.TeamId == id)
            .OrderBy(m => m.User!.DisplayName ?? m.User.UserName)
            .Select(m => new TeamMemberInfo(m.UserId, m.User!.DisplayName ?? m.User.UserName ?? m.UserId, m.User.Email))
            .ToListAsync(ct);
        return new TeamDetail(team.Id, team.Name, team.Description, team.SlackChannel, members, team.CreatedAt, team.UpdatedAt);
    }

    public async Task<Result<TeamDetail>> CreateAsync(TeamInput input, Caller caller, CancellationToken ct = default)
    {
        input.MemberIds ??= []; // JSON may say "memberIds": null
        if (!caller.IsAdmin)
        {
            return Result<TeamDetail>.Forbidden("Only admins can create teams.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var errors = await ValidateAsync(db, input, null, ct);
        if (errors.Count > 0)
        {
            return Result<TeamDetail>.Invalid(errors);
        }

        var team = new Team
        {
            Id = Guid.CreateVersion7(),
            Name = input.Name.Trim(),
            Description = Normalize(input.Description),
            SlackChannel = Normalize(input.SlackChannel),
        };
        db.Teams.Add(team);
        var now = clock.GetUtcNow();
        foreach (var userId in input.MemberIds.Distinct())
        {
            db.TeamMembers.Add(new TeamMember { TeamId = team.Id, UserId = userId, AddedAt = now });
        }

        audit.Add(db, caller.Actor, AuditActions.TeamCreated, ResourceTypes.Team, team.Id.ToString(),
            new { team.Name, team.Description, team.SlackChannel, members = input.MemberIds.Distinct().ToArray() });
        return await SaveAsync(db, team.Id, ct);
    }

    public async Task<Result<TeamDetail>> UpdateAsync(Guid id, TeamInput input, Caller caller, CancellationToken ct = default)
    {
        input.MemberIds ??= []; // JSON may say "memberIds": null
        // The role first: whether a team exists is nothing to tell someone who may not edit any.
        if (!caller.IsAdmin)
        {
            return Result<TeamDetail>.Forbidden("Only admins can edit teams.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var team = await db.Teams.Include(t => t.Members).FirstOrDefaultAsync(t => t.Id == id, ct);
        if (team is null)
        {
            return Result<TeamDetail>.NotFound($"Team {id} does not exist.");
        }

        var errors = await ValidateAsync(db, input, id, ct);
        if (errors.Count > 0)
        {
            return Result<TeamDetail>.Invalid(errors);
        }

        team.Name = input.Name.Trim();
        team.Description = Normalize(input.Description);
        team.SlackChannel = Normalize(input.SlackChannel);
        var changes = EntityChanges.Describe(db.Entry(team));

        var wanted = input.MemberIds.Distinct().ToHashSet();
        var current = team.Members.Select(m => m.UserId).ToHashSet();
        var added = wanted.Except(current).ToArray();
        var removed = current.Except(wanted).ToArray();
        team.Members.RemoveAll(m => removed.Contains(m.UserId));
        var now = clock.GetUtcNow();
        foreach (var userId in added)
        {
            team.Members.Add(new TeamMember { TeamId = id, UserId = userId, AddedAt = now });
        }

        if (changes.Count == 0 && added.Length == 0 && removed.Length == 0)
        {
            return Result<TeamDetail>.Ok((await GetAsync(id, ct))!);
        }

        audit.Add(db, caller.Actor, AuditActions.TeamUpdated, ResourceTypes.Team, id.ToString(),
            new { changes, membersAdded = added, membersRemoved = removed });
        return await SaveAsync(db, id, ct);
    }

    public async Task<Result<Unit>> DeleteAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins can delete teams.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Id == id, ct);
        if (team is null)
        {
            return Result<Unit>.NotFound($"Team {id} does not exist.");
        }

        var services = await db.Services.CountAsync(s => s.TeamId == id, ct);
        if (services > 0)
        {
            return Result<Unit>.Invalid("", $"Team '{team.Name}' still owns {Text.Count(services, "service")}: move or delete them first.");
        }

        db.Teams.Remove(team);
        audit.Add(db, caller.Actor, AuditActions.TeamDeleted, ResourceTypes.Team, id.ToString(), new { team.Name });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsForeignKeyViolation())
        {
            return Result<Unit>.Invalid("", $"Team '{team.Name}' is still in use: move its services first.");
        }

        return Result<Unit>.Ok(Unit.Value);
    }

    private async Task<Result<TeamDetail>> SaveAsync(ApplicationDbContext db, Guid id, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return Result<TeamDetail>.Invalid(nameof(TeamInput.Name), "A team with this name already exists.");
        }

        return Result<TeamDetail>.Ok((await GetAsync(id, ct))!);
    }

    private static async Task<Dictionary<string, string[]>> ValidateAsync(ApplicationDbContext db, TeamInput input, Guid? id, CancellationToken ct)
    {
        var errors = InputValidator.Validate(input);
        if (!errors.ContainsKey(nameof(TeamInput.Name)))
        {
            var name = input.Name.Trim();
            if (await db.Teams.AnyAsync(t => t.Id != id && t.Name.ToLower() == name.ToLower(), ct))
            {
                errors.Add(nameof(TeamInput.Name), "A team with this name already exists.");
            }
        }

        var memberIds = input.MemberIds.Distinct().ToList();
        if (memberIds.Count > 0)
        {
            var known = await db.Users.CountAsync(u => memberIds.Contains(u.Id), ct);
            if (known != memberIds.Count)
            {
                errors.Add(nameof(TeamInput.MemberIds), "One or more members do not exist.");
            }
        }

        return errors;
    }

    private static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
