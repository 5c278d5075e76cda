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
        IOptions<Data.Services.Users.AuthOptions> auth)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    // Auth:CircuitRevalidationSeconds (default 30, validated 1–60 at start-up) — end-to-end tests shorten it.
    protected override TimeSpan RevalidationInterval { get; } = TimeSpan.FromSeconds(auth.Value.CircuitRevalidationSeconds);

    private readonly ILogger _logger = loggerFactory.CreateLogger<IdentityRevalidatingAuthenticationStateProvider>();

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        RevalidateAsync(authenticationState, cancellationToken);

    /// <summary>
    /// The check itself. The base class signs a circuit out when this throws, so a database hiccup (a pool exhausted
    /// under load, a failover) would sign every open page out at once: those errors keep the circuit signed in until
    /// the next interval instead. A revoked session, a changed security stamp or a deleted user still sign it out.
    /// </summary>
    internal async Task<bool> RevalidateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        try
        {
            return await CheckAsync(authenticationState, cancellationToken);
        }
        catch (Exception ex) when (IsDatabaseUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "Could not re-check the sign-in of a circuit (database unavailable); checking again in {Interval}",
                RevalidationInterval);
            return true;
        }
    }

    private static bool IsDatabaseUnavailable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<bool> CheckAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
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
