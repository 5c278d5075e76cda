using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Users;

/// <summary>Seed 04's user preferences: theme and notification flags.</summary>
public sealed class PreferencesService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    public async Task<UserPreferences> GetAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.UserPreferences.AsNoTracking().FirstOrDefaultAsync(p => p.UserId == userId, ct) ?? new UserPreferences { UserId = userId };
    }

    public async Task SaveAsync(UserPreferences preferences, AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var existing = await db.UserPreferences.FirstOrDefaultAsync(p => p.UserId == preferences.UserId, ct);
        if (existing is null)
        {
            existing = new UserPreferences { UserId = preferences.UserId, CreatedAt = now };
            db.UserPreferences.Add(existing);
        }

        existing.Theme = preferences.Theme;
        existing.EmailNotifications = preferences.EmailNotifications;
        existing.DeploymentSuccessNotifications = preferences.DeploymentSuccessNotifications;
        existing.DeploymentFailureNotifications = preferences.DeploymentFailureNotifications;
        existing.ApprovalRequestNotifications = preferences.ApprovalRequestNotifications;
        existing.UpdatedAt = now;
        audit.Add(db, actor, AuditActions.PreferencesUpdated, ResourceTypes.User, preferences.UserId,
            new
            {
                theme = preferences.Theme.ToString(), preferences.EmailNotifications, preferences.DeploymentSuccessNotifications,
                preferences.DeploymentFailureNotifications, preferences.ApprovalRequestNotifications,
            });
        await db.SaveChangesAsync(ct);
    }
}
