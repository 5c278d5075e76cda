using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Users;

public sealed record UserRow(string Id, string? UserName, string? Email, string? DisplayName, bool EmailConfirmed, string? Role,
    bool LockedOut, DateTimeOffset? LockoutEnd, bool TwoFactorEnabled, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt, int ActiveSessions);

/// <summary>A person in a pick list: their id, the name people know them by, and their email.</summary>
public sealed record PersonPick(string Id, string Name, string Email);

public sealed record UserQuery : ListQuery
{
    /// <summary>A role name, or <see cref="UserAdminService.PendingRole"/> for accounts without one.</summary>
    public string? Role { get; init; }
}

/// <summary>
/// Admin operations on accounts. UserManager is scoped and holds a DbContext, so each operation runs in a
/// scope of its own (a Blazor circuit must not keep one for its lifetime).
/// </summary>
public sealed class UserAdminService(IServiceScopeFactory scopeFactory, IDbContextFactory<ApplicationDbContext> contextFactory,
    AuditWriter audit, TimeProvider clock)
{
    /// <summary>The filter value for accounts that wait for an admin to give them a role.</summary>
    public const string PendingRole = "(pending)";

    public async Task<Paged<UserRow>> ListAsync(UserQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var users = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            users = users.Where(Like.Contains<ApplicationUser>(query.Search, u => u.Email, u => u.UserName, u => u.DisplayName));
        }

        if (query.Role == PendingRole)
        {
            users = users.Where(u => !db.UserRoles.Any(ur => ur.UserId == u.Id));
        }
        else if (!string.IsNullOrWhiteSpace(query.Role))
        {
            var roleId = await db.Roles.Where(r => r.Name == query.Role).Select(r => r.Id).FirstOrDefaultAsync(ct);
            users = users.Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id && ur.RoleId == roleId));
        }

        var total = await users.CountAsync(ct);
        users = (query.SortBy, query.Descending) switch
        {
            (nameof(UserRow.Email), true) => users.OrderByDescending(u => u.Email),
            (nameof(UserRow.DisplayName), false) => users.OrderBy(u => u.DisplayName),
            (nameof(UserRow.DisplayName), true) => users.OrderByDescending(u => u.DisplayName),
            (nameof(UserRow.CreatedAt), false) => users.OrderBy(u => u.CreatedAt),
            (nameof(UserRow.CreatedAt), true) => users.OrderByDescending(u => u.CreatedAt),
            (nameof(UserRow.LastLoginAt), false) => users.OrderBy(u => u.LastLoginAt),
            (nameof(UserRow.LastLoginAt), true) => users.OrderByDescending(u => u.LastLoginAt),
            _ => users.OrderBy(u => u.Email),
        };
        var items = await users.Skip(query.SafeSkip).Take(query.SafeTake)
            .Select(u => new UserRow(u.Id, u.UserName, u.Email, u.DisplayName, u.EmailConfirmed,
                db.Roles.Where(r => db.UserRoles.Any(ur => ur.UserId == u.Id && ur.RoleId == r.Id)).Select(r => r.Name).FirstOrDefault(),
                u.LockoutEnd != null && u.LockoutEnd > now, u.LockoutEnd, u.TwoFactorEnabled, u.CreatedAt, u.LastLoginAt,
                db.UserSessions.Count(s => s.UserId == u.Id && s.RevokedAt == null && (s.ExpiresAt == null || s.ExpiresAt > now))))
            .ToListAsync(ct);
        return new Paged<UserRow>(items, total);
    }

    /// <summary>Everyone, by name, as "Name &lt;email&gt;" for a pick list.</summary>
    public async Task<IReadOnlyList<(string Id, string Name)>> PickerAsync(CancellationToken ct = default) =>
        (await PeopleAsync(ct)).Select(p => (p.Id, $"{p.Name} <{p.Email}>")).ToList();

    /// <summary>Everyone, by name, with name and email apart (a picker that shows the name and says the email below it).</summary>
    public async Task<IReadOnlyList<PersonPick>> PeopleAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var list = await db.Users.AsNoTracking().OrderBy(u => u.DisplayName ?? u.UserName)
            .Select(u => new { u.Id, Name = u.DisplayName ?? u.UserName ?? u.Id, u.Email }).ToListAsync(ct);
        return list.Select(u => new PersonPick(u.Id, u.Name, u.Email ?? "")).ToList();
    }

    public async Task<Result<Unit>> ChangeRoleAsync(string userId, string role, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins can change roles.");
        }

        if (!Roles.IsKnown(role))
        {
            return Result<Unit>.Invalid("Role", $"Unknown role '{role}'. Choose one of {string.Join(", ", Roles.All)}.");
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.LockAsync(TransactionLocks.FirstUser, ct);
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return Result<Unit>.NotFound($"User {userId} does not exist.");
        }

        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role)
        {
            return Result<Unit>.Ok(Unit.Value);
        }

        if (current.Contains(Roles.Admin) && role != Roles.Admin && (await users.GetUsersInRoleAsync(Roles.Admin)).Count <= 1)
        {
            return Result<Unit>.Invalid("Role", "This is the last admin: make someone else admin first.");
        }

        Check(await users.RemoveFromRolesAsync(user, current));
        Check(await users.AddToRoleAsync(user, role));
        // A new stamp makes open sessions and circuits pick up the new role at their next validation.
        Check(await users.UpdateSecurityStampAsync(user));
        audit.Add(db, caller.Actor, AuditActions.RoleChanged, ResourceTypes.User, userId,
            new { user = user.Email, from = current.FirstOrDefault(), to = role });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    public async Task<Result<Unit>> SetLockedAsync(string userId, bool locked, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins can lock accounts.");
        }

        if (locked && userId == caller.UserId)
        {
            return Result<Unit>.Invalid("", "You cannot lock your own account.");
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return Result<Unit>.NotFound($"User {userId} does not exist.");
        }

        if (locked)
        {
            Check(await users.SetLockoutEnabledAsync(user, true));
            Check(await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue));
            Check(await users.UpdateSecurityStampAsync(user));
            await Sessions.SessionService.RevokeAllAsync(db, userId, caller.UserName ?? "admin", clock.GetUtcNow(), exceptSessionId: null, ct);
        }
        else
        {
            Check(await users.SetLockoutEndDateAsync(user, null));
            Check(await users.ResetAccessFailedCountAsync(user));
        }

        audit.Add(db, caller.Actor, locked ? AuditActions.UserLocked : AuditActions.UserUnlocked, ResourceTypes.User, userId, new { user = user.Email });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    public async Task<Result<Unit>> DeleteAsync(string userId, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins can delete accounts.");
        }

        if (userId == caller.UserId)
        {
            return Result<Unit>.Invalid("", "You cannot delete your own account here.");
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.LockAsync(TransactionLocks.FirstUser, ct);
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return Result<Unit>.NotFound($"User {userId} does not exist.");
        }

        if (await users.IsInRoleAsync(user, Roles.Admin) && (await users.GetUsersInRoleAsync(Roles.Admin)).Count <= 1)
        {
            return Result<Unit>.Invalid("", "This is the last admin and cannot be deleted.");
        }

        audit.Add(db, caller.Actor, AuditActions.UserDeleted, ResourceTypes.User, userId, new { user = user.Email, user.UserName });
        await db.SaveChangesAsync(ct);
        Check(await users.DeleteAsync(user));
        await tx.CommitAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
