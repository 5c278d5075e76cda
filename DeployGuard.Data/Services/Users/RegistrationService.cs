using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Users;

/// <summary>What the registration page may offer right now.</summary>
/// <param name="SelfRegistration">Whether someone without an invitation may create an account.</param>
/// <param name="Bootstrap">No admin exists yet: the next self-registered account becomes Admin.</param>
public sealed record RegistrationState(RegistrationPolicy Policy, bool SelfRegistration, bool Bootstrap, IReadOnlyList<string> AllowedDomains);

/// <summary>
/// The <c>Auth:Registration</c> policy: whether self-registration is open, and which role a self-registered account
/// starts with (Admin for the bootstrap account, none — "pending approval" — for everyone else).
/// </summary>
public sealed class RegistrationService(
    IOptions<AuthOptions> options,
    IServiceScopeFactory scopeFactory,
    IDbContextFactory<ApplicationDbContext> contextFactory,
    AuditWriter audit)
{
    public AuthOptions Options => options.Value;

    public async Task<RegistrationState> StateAsync(CancellationToken ct = default)
    {
        var policy = Options.Registration;
        var adminExists = await AdminExistsAsync(ct);
        var bootstrap = !adminExists && policy != RegistrationPolicy.InviteOnly;
        var open = policy == RegistrationPolicy.Open || bootstrap;
        return new RegistrationState(policy, open, bootstrap, Options.Domains);
    }

    /// <summary>Why <paramref name="email"/> may not self-register under the allowed domains, or null.</summary>
    public string? DomainProblem(string email) =>
        Options.Registration == RegistrationPolicy.Open && !Options.AllowsDomainOf(email)
            ? $"Registration is open to addresses at {string.Join(", ", Options.Domains)} only."
            : null;

    /// <summary>
    /// The role of a newly self-registered account: Admin when no admin exists yet and the policy allows a bootstrap,
    /// otherwise none (the account waits for an admin). Returns the role given, or null for a pending account.
    /// </summary>
    public async Task<string?> AssignInitialRoleAsync(string userId, AuditActor actor, CancellationToken ct = default)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Serialises role assignment for sign-ups and role changes, so that two first sign-ups cannot both become admin.
        await db.Database.LockAsync(TransactionLocks.FirstUser, ct);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException($"User {userId} vanished.");
        var bootstrap = Options.Registration != RegistrationPolicy.InviteOnly && (await users.GetUsersInRoleAsync(Roles.Admin)).Count == 0;
        if (bootstrap)
        {
            Check(await users.AddToRoleAsync(user, Roles.Admin));
            audit.Add(db, actor, AuditActions.RoleChanged, ResourceTypes.User, userId,
                new { from = (string?)null, to = Roles.Admin, reason = "first account on an empty database" });
        }
        else
        {
            audit.Add(db, actor, AuditActions.PendingApproval, ResourceTypes.User, userId,
                new { user = user.Email, policy = Options.Registration.ToString() });
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return bootstrap ? Roles.Admin : null;
    }

    /// <summary>Emails of the admins, to tell them that an account waits for approval.</summary>
    public async Task<IReadOnlyList<string>> AdminEmailsAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await AdminUsers(db).Where(u => u.Email != null && u.EmailConfirmed).Select(u => u.Email!).ToListAsync(ct);
    }

    private async Task<bool> AdminExistsAsync(CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await AdminUsers(db).AnyAsync(ct);
    }

    private static IQueryable<ApplicationUser> AdminUsers(ApplicationDbContext db) =>
        db.Users.Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == Roles.Admin)));

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
