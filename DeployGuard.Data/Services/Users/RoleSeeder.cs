using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Users;

/// <summary>Makes sure the four roles exist (idempotent; safe with several instances starting at once).</summary>
public sealed class RoleSeeder(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    public async Task EnsureRolesAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        foreach (var role in Roles.All)
        {
            var normalized = role.ToUpperInvariant();
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO roles (id, name, normalized_name, concurrency_stamp)
                VALUES ({Guid.NewGuid().ToString()}, {role}, {normalized}, {Guid.NewGuid().ToString()})
                ON CONFLICT (normalized_name) DO NOTHING
                """, ct);
        }
    }
}
