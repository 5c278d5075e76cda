using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>Accounts created straight through Identity's UserManager, with unique emails.</summary>
public static class TestUsers
{
    public const string Password = "Test-pass-2026!";

    public static string NewEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@test.local";

    /// <summary>A confirmed account holding <paramref name="role"/> (none when null).</summary>
    public static async Task<ApplicationUser> CreateAsync(IServiceProvider services, string? role, string? email = null, string? displayName = null)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        email ??= NewEmail(role?.ToLowerInvariant() ?? "user");
        var user = new ApplicationUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = displayName,
            CreatedAt = TimeProvider.System.GetUtcNow(),
        };
        Check(await users.CreateAsync(user, Password));
        if (role is not null)
        {
            Check(await users.AddToRoleAsync(user, role));
        }

        return user;
    }

    public static Task<ApplicationUser> CreateUserAsync(this DatabaseFixture fixture, string? role, string? email = null) =>
        CreateAsync(fixture.Services, role, email);

    public static Caller AsCaller(this ApplicationUser user, string role) => new(user.Id, user.UserName, [role], "127.0.0.1", "tests");

    public static Caller Anonymous(string role) => new($"nobody-{Guid.NewGuid():N}", "nobody", [role]);

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
