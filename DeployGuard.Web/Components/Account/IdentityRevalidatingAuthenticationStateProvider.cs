using System.Security.Claims;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Components.Account;

/// <summary>
/// Re-checks an open circuit's sign-in every 30 seconds: the server-side session must still be live and the
/// security stamp unchanged. A revoked session or a role change signs the circuit out within the interval.
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopeFactory,
        SessionService sessions,
        IOptions<IdentityOptions> options,
        IConfiguration configuration)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    // Auth:CircuitRevalidationSeconds (default 30) — end-to-end tests shorten it.
    protected override TimeSpan RevalidationInterval { get; } =
        TimeSpan.FromSeconds(Math.Clamp(configuration.GetValue("Auth:CircuitRevalidationSeconds", 30), 1, 60));

    protected override async Task<bool> ValidateAuthenticationStateAsync(
        AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var principal = authenticationState.User;
        if (principal.GetSessionId() is { } sessionId && !await sessions.IsActiveAsync(sessionId, cancellationToken))
        {
            return false;
        }

        // Get the user manager from a new scope to ensure it fetches fresh data
        await using var scope = scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await ValidateSecurityStampAsync(userManager, principal);
    }

    private async Task<bool> ValidateSecurityStampAsync(UserManager<ApplicationUser> userManager, ClaimsPrincipal principal)
    {
        var user = await userManager.GetUserAsync(principal);
        if (user is null)
        {
            return false;
        }

        if (!userManager.SupportsUserSecurityStamp)
        {
            return true;
        }

        var principalStamp = principal.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        var userStamp = await userManager.GetSecurityStampAsync(user);
        return principalStamp == userStamp;
    }
}
