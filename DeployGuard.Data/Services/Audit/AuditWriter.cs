using DeployGuard.Data.Services.Common;
using System.Text.Json;
using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Audit;

/// <summary>
/// Adds audit rows to a context so they commit in the same transaction as the change they describe.
/// The chain fields (id, prev_hash, hash) are filled by the database on insert.
/// </summary>
public sealed class AuditWriter(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public AuditLog Add(ApplicationDbContext db, AuditActor actor, string action, string resourceType, string? resourceId, object? details = null)
    {
        var row = new AuditLog
        {
            UserId = actor.UserId,
            UserName = actor.UserName.Truncate(256),
            Action = action,
            ResourceType = resourceType,
            ResourceId = resourceId.Truncate(100),
            Details = details is null ? "{}" : details as string ?? JsonSerializer.Serialize(details, JsonOptions),
            IpAddress = actor.IpAddress.Truncate(64),
            UserAgent = actor.UserAgent.Truncate(512),
        };
        db.AuditLogs.Add(row);
        return row;
    }

    /// <summary>For events that change nothing else (sign-in attempts): its own short transaction.</summary>
    public async Task WriteAsync(AuditActor actor, string action, string resourceType, string? resourceId, object? details = null,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        Add(db, actor, action, resourceType, resourceId, details);
        await db.SaveChangesAsync(cancellationToken);
    }

}
