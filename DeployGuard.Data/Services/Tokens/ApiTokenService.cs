using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Tokens;

public sealed record ApiTokenRow(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt,
    bool Active);

/// <summary>The value of a new token: shown once, never stored.</summary>
public sealed record CreatedApiToken(ApiTokenRow Token, string Value);

public sealed record TokenOwner(string UserId, Guid TokenId);

/// <summary>Personal access tokens (`dg_...`) for the API and the CLI. Only SHA-256 hashes are stored.</summary>
public sealed class ApiTokenService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    public const string Prefix = "dg_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<ApiTokenRow>> ListAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt)
            .Select(t => new ApiTokenRow(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt,
                t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now)))
            .ToListAsync(ct);
    }

    public async Task<Result<CreatedApiToken>> CreateAsync(string name, int? expiresInDays, Caller caller, CancellationToken ct = default)
    {
        if (caller.UserId is null)
        {
            return Result<CreatedApiToken>.Forbidden("Sign in to create tokens.");
        }

        name = name.Trim();
        if (name.Length is 0 or > 100)
        {
            return Result<CreatedApiToken>.Invalid("Name", "Give the token a name of 1 to 100 characters (like \"CI on build-01\").");
        }

        if (expiresInDays is < 1 or > 366)
        {
            return Result<CreatedApiToken>.Invalid("ExpiresInDays", "Expiry must be between 1 and 366 days, or never.");
        }

        var value = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow();
        var token = new ApiToken
        {
            Id = Guid.CreateVersion7(),
            UserId = caller.UserId,
            Name = name,
            Prefix = value[..10],
            TokenHash = Hash(value),
            CreatedAt = now,
            ExpiresAt = expiresInDays is { } days ? now.AddDays(days) : null,
        };
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        db.ApiTokens.Add(token);
        audit.Add(db, caller.Actor, AuditActions.TokenCreated, ResourceTypes.ApiToken, token.Id.ToString(), new { token.Name, token.Prefix, token.ExpiresAt });
        await db.SaveChangesAsync(ct);
        return Result<CreatedApiToken>.Ok(new CreatedApiToken(
            new ApiTokenRow(token.Id, token.Name, token.Prefix, token.CreatedAt, token.ExpiresAt, null, true), value));
    }

    public async Task<Result<Unit>> RevokeAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, ct);
        if (token is null)
        {
            return Result<Unit>.NotFound("This token does not exist.");
        }

        if (token.UserId != caller.UserId && !caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("You can only revoke your own tokens.");
        }

        if (token.RevokedAt is null)
        {
            token.RevokedAt = clock.GetUtcNow();
            audit.Add(db, caller.Actor, AuditActions.TokenRevoked, ResourceTypes.ApiToken, id.ToString(), new { token.Name, token.Prefix, owner = token.UserId });
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
            .Select(t => new { t.Id, t.UserId, t.LastUsedAt })
            .FirstOrDefaultAsync(ct);
        if (token is null)
        {
            return null;
        }

        if (token.LastUsedAt is null || now - token.LastUsedAt >= LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
        }

        return new TokenOwner(token.UserId, token.Id);
    }

    private static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToLowerInvariant();
}
