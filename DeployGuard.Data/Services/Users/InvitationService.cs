using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Users;

public sealed class InvitationInput
{
    [Required(ErrorMessage = "Email is required.")]
    [EmailAddress(ErrorMessage = "This is not an email address.")]
    [StringLength(256, ErrorMessage = "Email must be at most {1} characters.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Choose the role the new account gets.")]
    public string Role { get; set; } = Roles.Viewer;

    public List<Guid> TeamIds { get; set; } = [];
}

public sealed record InvitationRow(Guid Id, string Email, string Role, IReadOnlyList<string> Teams, string? CreatedByName, DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt, DateTimeOffset? AcceptedAt, DateTimeOffset? RevokedAt, bool Open);

/// <summary>A new invitation and its link token, which is shown or mailed once and never stored.</summary>
public sealed record CreatedInvitation(InvitationRow Invitation, string Token);

/// <summary>What the registration page shows to the holder of an invitation link.</summary>
public sealed record OpenInvitation(Guid Id, string Email, string Role, IReadOnlyList<string> Teams, DateTimeOffset ExpiresAt);

/// <summary>
/// Admins invite people by email (GitLab/GitHub style): a single-use link, valid for 7 days, that creates an account
/// for that address with the role and teams the admin chose. Only the link token's SHA-256 is stored.
/// </summary>
public sealed class InvitationService(IServiceScopeFactory scopeFactory, IDbContextFactory<ApplicationDbContext> contextFactory,
    AuditWriter audit, TimeProvider clock)
{
    public const string TokenPrefix = "dgi_";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public async Task<Result<CreatedInvitation>> CreateAsync(InvitationInput input, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<CreatedInvitation>.Forbidden("Only admins can invite people.");
        }

        input.Email = input.Email.Trim();
        var errors = InputValidator.Validate(input);
        if (!Roles.IsKnown(input.Role))
        {
            errors.Add(nameof(input.Role), $"Unknown role '{input.Role}'. Choose one of {string.Join(", ", Roles.All)}.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var teamIds = input.TeamIds.Distinct().ToList();
        var teams = await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).Select(t => new { t.Id, t.Name }).ToListAsync(ct);
        if (teams.Count != teamIds.Count)
        {
            errors.Add(nameof(input.TeamIds), "One of the teams does not exist (any more).");
        }

        var normalized = input.Email.ToUpperInvariant();
        if (!errors.ContainsKey(nameof(input.Email)) && await db.Users.AnyAsync(u => u.NormalizedEmail == normalized, ct))
        {
            errors.Add(nameof(input.Email), "This address already has an account: give it a role on the list below instead.");
        }

        if (errors.Count > 0)
        {
            return Result<CreatedInvitation>.Invalid(errors);
        }

        var now = clock.GetUtcNow();
        // A new invitation replaces any open one for the same address ("resend"): only the newest link works.
        var older = await db.Invitations.Where(i => i.NormalizedEmail == normalized && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .ToListAsync(ct);
        foreach (var old in older)
        {
            old.RevokedAt = now;
            audit.Add(db, caller.Actor, AuditActions.InvitationRevoked, ResourceTypes.Invitation, old.Id.ToString(),
                new { email = old.Email, reason = "replaced by a new invitation" });
        }

        var token = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var invitation = new Invitation
        {
            Id = Guid.CreateVersion7(),
            Email = input.Email,
            NormalizedEmail = normalized,
            Role = input.Role,
            TeamIds = teamIds,
            TokenHash = Hash(token),
            CreatedById = caller.UserId,
            CreatedByName = caller.UserName,
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        };
        db.Invitations.Add(invitation);
        audit.Add(db, caller.Actor, AuditActions.InvitationCreated, ResourceTypes.Invitation, invitation.Id.ToString(),
            new { email = invitation.Email, role = invitation.Role, teams = teams.Select(t => t.Name).Order().ToList(), invitation.ExpiresAt });
        await db.SaveChangesAsync(ct);
        return Result<CreatedInvitation>.Ok(new CreatedInvitation(Row(invitation, teams.Select(t => t.Name).ToList(), now), token));
    }

    /// <summary>Open invitations first, then the last 50 accepted, expired or revoked ones.</summary>
    public async Task<IReadOnlyList<InvitationRow>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var rows = await db.Invitations.AsNoTracking().OrderByDescending(i => i.CreatedAt).Take(200).ToListAsync(ct);
        var names = await TeamNamesAsync(db, rows.SelectMany(r => r.TeamIds), ct);
        var all = rows.Select(r => Row(r, r.TeamIds.Select(id => names.GetValueOrDefault(id, "(deleted team)")).ToList(), now)).ToList();
        return all.Where(r => r.Open).Concat(all.Where(r => !r.Open).Take(50)).ToList();
    }

    public async Task<Result<Unit>> RevokeAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins can revoke invitations.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invitation is null)
        {
            return Result<Unit>.NotFound("This invitation does not exist.");
        }

        if (invitation.AcceptedAt is not null)
        {
            return Result<Unit>.Invalid("", "This invitation was already used: lock or delete the account instead.");
        }

        if (invitation.RevokedAt is null)
        {
            invitation.RevokedAt = clock.GetUtcNow();
            audit.Add(db, caller.Actor, AuditActions.InvitationRevoked, ResourceTypes.Invitation, id.ToString(), new { email = invitation.Email });
            await db.SaveChangesAsync(ct);
        }

        return Result<Unit>.Ok(Unit.Value);
    }

    /// <summary>The invitation behind a link token, when it can still be used; null for unknown, used, revoked or expired ones.</summary>
    public async Task<OpenInvitation?> FindOpenAsync(string? token, CancellationToken ct = default)
    {
        if (!LooksLikeToken(token))
        {
            return null;
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var hash = Hash(token!);
        var now = clock.GetUtcNow();
        var invitation = await db.Invitations.AsNoTracking()
            .FirstOrDefaultAsync(i => i.TokenHash == hash && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, ct);
        if (invitation is null)
        {
            return null;
        }

        var names = await TeamNamesAsync(db, invitation.TeamIds, ct);
        return new OpenInvitation(invitation.Id, invitation.Email, invitation.Role, names.Values.Order().ToList(), invitation.ExpiresAt);
    }

    /// <summary>
    /// Creates the invited account (email confirmed: the link reached that address, or the admin vouched for it), with the
    /// invitation's role and teams, and uses the invitation up — all in one transaction with the audit rows, so a link
    /// used twice at once creates one account.
    /// </summary>
    public async Task<Result<ApplicationUser>> AcceptAsync(string token, string password, string? displayName, AuditActor actor, CancellationToken ct = default)
    {
        if (!LooksLikeToken(token))
        {
            return Result<ApplicationUser>.NotFound(Unusable);
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var hash = Hash(token);
        var now = clock.GetUtcNow();
        var invitation = await db.Invitations.FromSqlInterpolated($"SELECT * FROM invitations WHERE token_hash = {hash} FOR UPDATE")
            .FirstOrDefaultAsync(ct);
        if (invitation is null || invitation.AcceptedAt is not null || invitation.RevokedAt is not null || invitation.ExpiresAt <= now)
        {
            return Result<ApplicationUser>.NotFound(Unusable);
        }

        var user = new ApplicationUser
        {
            UserName = invitation.Email,
            Email = invitation.Email,
            EmailConfirmed = true,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(),
            CreatedAt = now,
        };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return Result<ApplicationUser>.Invalid(created.Errors
                .GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "Password" : "Email")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }

        var check = await users.AddToRoleAsync(user, invitation.Role);
        if (!check.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", check.Errors.Select(e => e.Description)));
        }

        var teams = await db.Teams.Where(t => invitation.TeamIds.Contains(t.Id)).Select(t => new { t.Id, t.Name }).ToListAsync(ct);
        db.TeamMembers.AddRange(teams.Select(t => new TeamMember { TeamId = t.Id, UserId = user.Id, AddedAt = now }));
        invitation.AcceptedAt = now;
        invitation.AcceptedUserId = user.Id;
        var who = actor with { UserId = user.Id, UserName = user.UserName };
        audit.Add(db, who, AuditActions.UserRegistered, ResourceTypes.User, user.Id, new { email = user.Email, invitation = invitation.Id });
        audit.Add(db, who, AuditActions.InvitationAccepted, ResourceTypes.Invitation, invitation.Id.ToString(),
            new { email = user.Email, role = invitation.Role, teams = teams.Select(t => t.Name).Order().ToList(), invitedBy = invitation.CreatedByName });
        audit.Add(db, who, AuditActions.RoleChanged, ResourceTypes.User, user.Id,
            new { from = (string?)null, to = invitation.Role, reason = $"invitation by {invitation.CreatedByName}" });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<ApplicationUser>.Ok(user);
    }

    private const string Unusable = "This invitation link is not valid any more: it was used, revoked, or it expired. Ask an admin for a new one.";

    private static bool LooksLikeToken(string? token) =>
        token is { Length: > 10 and < 100 } && token.StartsWith(TokenPrefix, StringComparison.Ordinal);

    private static async Task<Dictionary<Guid, string>> TeamNamesAsync(ApplicationDbContext db, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var list = ids.Distinct().ToList();
        return await db.Teams.AsNoTracking().Where(t => list.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
    }

    private static InvitationRow Row(Invitation i, IReadOnlyList<string> teams, DateTimeOffset now) =>
        new(i.Id, i.Email, i.Role, teams, i.CreatedByName, i.CreatedAt, i.ExpiresAt, i.AcceptedAt, i.RevokedAt,
            i.AcceptedAt is null && i.RevokedAt is null && i.ExpiresAt > now);

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
