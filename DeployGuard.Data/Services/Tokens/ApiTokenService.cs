using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Tokens;

public sealed record ApiTokenRow(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt,
    bool Active, Guid? ServiceId = null, string? ServiceName = null, string? OwnerName = null);

/// <summary>The value of a new token: shown once, never stored.</summary>
public sealed record CreatedApiToken(ApiTokenRow Token, string Value);

public sealed record TokenOwner(string UserId, Guid TokenId, Guid? ServiceId);

/// <summary>What a new token is called, how long it lives, and (for a CI machine token) the one service it may act on.</summary>
public sealed record ApiTokenInput(string Name, int? ExpiresInDays, Guid? ServiceId = null);

/// <summary>
/// Personal access tokens (`dg_...`) for the API and the CLI. Only SHA-256 hashes are stored. A token scoped to a
/// service (a CI machine token) acts with its owner's current rights, limited to that service; only admins and
/// engineers who may operate the service create one.
/// </summary>
public sealed class ApiTokenService(IDbContextFactory<ApplicationDbContext> contextFactory, IServiceScopeFactory scopeFactory, AuditWriter audit,
    TimeProvider clock)
{
    public const string Prefix = "dg_";
    public const int MaxExpiryDays = 366;
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<ApiTokenRow>> ListAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await Rows(db, db.ApiTokens.Where(t => t.UserId == userId)).ToListAsync(ct);
    }

    /// <summary>Every token scoped to <paramref name="serviceId"/>, whoever owns it (the service page lists its CI tokens).</summary>
    public async Task<IReadOnlyList<ApiTokenRow>> ListForServiceAsync(Guid serviceId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await Rows(db, db.ApiTokens.Where(t => t.ServiceId == serviceId)).ToListAsync(ct);
    }

    /// <summary>Whether <paramref name="caller"/> may create and revoke CI tokens of the service (admins and engineers who operate it).</summary>
    public async Task<bool> MayManageServiceTokensAsync(Guid serviceId, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return caller.UserId is not null && caller.ServiceScope is null && await TeamAccess.MayOperateAsync(db, serviceId, caller, ct);
    }

    public Task<Result<CreatedApiToken>> CreateAsync(string name, int? expiresInDays, Caller caller, CancellationToken ct = default) =>
        CreateAsync(new ApiTokenInput(name, expiresInDays), caller, ct);

    public async Task<Result<CreatedApiToken>> CreateAsync(ApiTokenInput input, Caller caller, CancellationToken ct = default)
    {
        if (caller.UserId is null)
        {
            return Result<CreatedApiToken>.Forbidden("Sign in to create tokens.");
        }

        if (caller.ServiceScope is not null)
        {
            return Result<CreatedApiToken>.Forbidden("A CI token cannot create tokens.");
        }

        return await CreateForAsync(caller.UserId, caller.UserName, caller.Roles, input, caller.Actor, ct);
    }

    /// <summary>
    /// A token for an account named by its email, for the <c>token create</c> command (bootstrap automation, CI set-up
    /// without a browser). The owner's roles decide, exactly as if they had created it themselves.
    /// </summary>
    public async Task<Result<CreatedApiToken>> CreateForEmailAsync(string email, ApiTokenInput input, AuditActor actor, CancellationToken ct = default)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null)
        {
            return Result<CreatedApiToken>.Invalid("Email", $"No account has the address '{email}'.");
        }

        if (await users.IsLockedOutAsync(user))
        {
            return Result<CreatedApiToken>.Invalid("Email", $"{email} is locked: unlock the account first.");
        }

        var roles = (await users.GetRolesAsync(user)).ToList();
        if (roles.Count == 0)
        {
            return Result<CreatedApiToken>.Invalid("Email", $"{email} has no role yet, so a token could do nothing: give it a role first.");
        }

        return await CreateForAsync(user.Id, user.UserName, roles, input, actor with { UserName = actor.UserName ?? "command line" }, ct);
    }

    private async Task<Result<CreatedApiToken>> CreateForAsync(string userId, string? userName, IReadOnlyCollection<string> roles, ApiTokenInput input,
        AuditActor actor, CancellationToken ct)
    {
        var name = input.Name.Trim();
        var errors = new Dictionary<string, string[]>();
        if (name.Length is 0 or > 100)
        {
            errors.Add("Name", "Give the token a name of 1 to 100 characters (like \"CI on build-01\").");
        }

        if (input.ExpiresInDays is < 1 or > MaxExpiryDays)
        {
            errors.Add("ExpiresInDays", $"Expiry must be between 1 and {MaxExpiryDays} days, or never.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        string? serviceName = null;
        if (input.ServiceId is { } serviceId)
        {
            serviceName = await db.Services.Where(s => s.Id == serviceId).Select(s => s.Name).FirstOrDefaultAsync(ct);
            if (serviceName is null)
            {
                errors.Add("ServiceId", "This service does not exist.");
            }
            else if (!await TeamAccess.MayOperateAsync(db, serviceId, new Caller(userId, userName, roles), ct))
            {
                return Result<CreatedApiToken>.Forbidden($"Only admins and engineers of {serviceName}'s team create CI tokens for it.");
            }
        }

        if (errors.Count > 0)
        {
            return Result<CreatedApiToken>.Invalid(errors);
        }

        var value = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow();
        var token = new ApiToken
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Name = name,
            Prefix = value[..10],
            TokenHash = Hash(value),
            CreatedAt = now,
            ExpiresAt = input.ExpiresInDays is { } days ? now.AddDays(days) : null,
            ServiceId = input.ServiceId,
        };
        db.ApiTokens.Add(token);
        audit.Add(db, actor, AuditActions.TokenCreated, ResourceTypes.ApiToken, token.Id.ToString(),
            new { token.Name, token.Prefix, token.ExpiresAt, owner = userName, service = serviceName });
        await db.SaveChangesAsync(ct);
        return Result<CreatedApiToken>.Ok(new CreatedApiToken(
            new ApiTokenRow(token.Id, token.Name, token.Prefix, token.CreatedAt, token.ExpiresAt, null, true, token.ServiceId, serviceName, userName), value));
    }

    public async Task<Result<Unit>> RevokeAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, ct);
        if (token is null)
        {
            return Result<Unit>.NotFound("This token does not exist.");
        }

        // The owner and admins always; a service's CI tokens also whoever may operate that service.
        var allowed = caller.ServiceScope is null && (token.UserId == caller.UserId || caller.IsAdmin
            || token.ServiceId is { } serviceId && await TeamAccess.MayOperateAsync(db, serviceId, caller, ct));
        if (!allowed)
        {
            return Result<Unit>.Forbidden("You can only revoke your own tokens, or the CI tokens of services you operate.");
        }

        if (token.RevokedAt is null)
        {
            token.RevokedAt = clock.GetUtcNow();
            audit.Add(db, caller.Actor, AuditActions.TokenRevoked, ResourceTypes.ApiToken, id.ToString(),
                new { token.Name, token.Prefix, owner = token.UserId, service = token.ServiceId });
            await db.SaveChangesAsync(ct);
        }

        return Result<Unit>.Ok(Unit.Value);
    }

    /// <summary>The owner of a live token, or null.</summary>
    public async Task<TokenOwner?> AuthenticateAsync(string value, CancellationToken ct = default)
    {
        if (!value.StartsWith(Prefix, StringComparison.Ordinal) || value.Length > 100)
        {
            return null;
        }

        var hash = Hash(value);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var token = await db.ApiTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now))
            .Select(t => new { t.Id, t.UserId, t.LastUsedAt, t.ServiceId })
            .FirstOrDefaultAsync(ct);
        if (token is null)
        {
            return null;
        }

        if (token.LastUsedAt is null || now - token.LastUsedAt >= LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
        }

        return new TokenOwner(token.UserId, token.Id, token.ServiceId);
    }

    private IQueryable<ApiTokenRow> Rows(ApplicationDbContext db, IQueryable<ApiToken> tokens)
    {
        var now = clock.GetUtcNow();
        return tokens.AsNoTracking().OrderByDescending(t => t.CreatedAt)
            .Select(t => new ApiTokenRow(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt,
                t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now), t.ServiceId, t.Service != null ? t.Service.Name : null,
                db.Users.Where(u => u.Id == t.UserId).Select(u => u.UserName).FirstOrDefault()));
    }

    private static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToLowerInvariant();
}
