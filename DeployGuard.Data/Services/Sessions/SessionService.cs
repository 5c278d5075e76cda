using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Sessions;

public sealed record SessionRow(Guid Id, string UserId, string? UserName, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt,
    DateTimeOffset? ExpiresAt, string? IpAddress, string? UserAgent);

/// <summary>
/// Server-side sign-in sessions. The cookie handler's ticket store calls Create/Find/Renew/Remove;
/// people list and revoke sessions through the rest.
/// </summary>
public sealed class SessionService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    /// <summary>last_seen_at is written at most this often per session, not on every request.</summary>
    public static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(1);

    public async Task<Guid> CreateAsync(string userId, byte[] ticket, DateTimeOffset? expiresAt, string? ipAddress, string? userAgent,
        CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var session = new UserSession
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            Ticket = ticket,
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = expiresAt,
            IpAddress = ipAddress.Truncate(64),
            UserAgent = userAgent.Truncate(512),
        };
        db.UserSessions.Add(session);
        await db.SaveChangesAsync(ct);
        return session.Id;
    }

    /// <summary>The stored ticket of a live session, or null when it is unknown, revoked or expired.</summary>
    public async Task<byte[]?> FindTicketAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var session = await db.UserSessions.AsNoTracking()
            .Where(s => s.Id == id && s.RevokedAt == null && (s.ExpiresAt == null || s.ExpiresAt > now))
            .Select(s => new { s.Ticket, s.LastSeenAt })
            .FirstOrDefaultAsync(ct);
        if (session is null)
        {
            return null;
        }

        if (now - session.LastSeenAt >= LastSeenResolution)
        {
            await db.UserSessions.Where(s => s.Id == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now), ct);
        }

        return session.Ticket;
    }

    public async Task<bool> IsActiveAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        return await db.UserSessions.AnyAsync(s => s.Id == id && s.RevokedAt == null && (s.ExpiresAt == null || s.ExpiresAt > now), ct);
    }

    public async Task RenewAsync(Guid id, byte[] ticket, DateTimeOffset? expiresAt, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        await db.UserSessions.Where(s => s.Id == id && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Ticket, ticket).SetProperty(x => x.ExpiresAt, expiresAt).SetProperty(x => x.LastSeenAt, now), ct);
    }

    /// <summary>Sign-out: the session ends and its row goes.</summary>
    public async Task RemoveAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await db.UserSessions.Where(s => s.Id == id).ExecuteDeleteAsync(ct);
    }

    public async Task<IReadOnlyList<SessionRow>> ListActiveAsync(string? userId = null, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var sessions = db.UserSessions.AsNoTracking().Where(s => s.RevokedAt == null && (s.ExpiresAt == null || s.ExpiresAt > now));
        if (userId is not null)
        {
            sessions = sessions.Where(s => s.UserId == userId);
        }

        return await sessions.OrderByDescending(s => s.LastSeenAt)
            .Select(s => new SessionRow(s.Id, s.UserId, s.User!.DisplayName ?? s.User.UserName, s.CreatedAt, s.LastSeenAt, s.ExpiresAt,
                s.IpAddress, s.UserAgent))
            .Take(500)
            .ToListAsync(ct);
    }

    /// <summary>Revokes one session. Users may revoke their own; admins anyone's.</summary>
    public async Task<Result<Unit>> RevokeAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var session = await db.UserSessions.FirstOrDefaultAsync(s => s.Id == id && s.RevokedAt == null, ct);
        if (session is null)
        {
            return Result<Unit>.NotFound("This session does not exist or has already ended.");
        }

        if (session.UserId != caller.UserId && !caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("You can only sign out your own sessions.");
        }

        session.RevokedAt = clock.GetUtcNow();
        session.RevokedBy = caller.UserName;
        audit.Add(db, caller.Actor, AuditActions.SessionRevoked, ResourceTypes.Session, id.ToString(),
            new { userId = session.UserId, session.IpAddress, session.UserAgent });
        await db.SaveChangesAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    /// <summary>Revokes every live session of a user, except <paramref name="exceptSessionId"/> (the caller's own).</summary>
    public async Task<Result<int>> RevokeAllAsync(string userId, Guid? exceptSessionId, Caller caller, CancellationToken ct = default)
    {
        if (userId != caller.UserId && !caller.IsAdmin)
        {
            return Result<int>.Forbidden("You can only sign out your own sessions.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var count = await RevokeAllAsync(db, userId, caller.UserName ?? "admin", clock.GetUtcNow(), exceptSessionId, ct);
        if (count > 0)
        {
            audit.Add(db, caller.Actor, AuditActions.SessionRevoked, ResourceTypes.Session, null,
                new { userId, count, kept = exceptSessionId });
            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        return Result<int>.Ok(count);
    }

    internal static Task<int> RevokeAllAsync(ApplicationDbContext db, string userId, string revokedBy, DateTimeOffset now, Guid? exceptSessionId,
        CancellationToken ct) =>
        db.UserSessions.Where(s => s.UserId == userId && s.RevokedAt == null && s.Id != exceptSessionId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now).SetProperty(x => x.RevokedBy, revokedBy), ct);
}
