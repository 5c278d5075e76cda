using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Users;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Components.Layout;
using Microsoft.AspNetCore.Identity;

namespace DeployGuard.Web.Components.Account;

/// <summary>
/// Audits the account pages' security events: every sign-in attempt (on success it also stamps the last
/// login and restores the user's theme) and account changes (password, two-factor, profile).
/// </summary>
internal sealed class SignInAuditor(AuditWriter audit, UserManager<ApplicationUser> users, PreferencesService preferences, TimeProvider clock)
{
    public async Task RecordAsync(HttpContext context, ApplicationUser? user, string attemptedName, SignInResult result, bool twoFactor = false)
    {
        var actor = CurrentUser.ActorFrom(context, user?.Id, user?.UserName ?? attemptedName);
        var action = result switch
        {
            { Succeeded: true } => AuditActions.SignInSucceeded,
            { IsLockedOut: true } => AuditActions.LockedOut,
            { RequiresTwoFactor: true } => null, // the second step records the outcome
            _ when twoFactor => AuditActions.SignInTwoFactorFailed,
            _ => AuditActions.SignInFailed,
        };
        if (action is null)
        {
            return;
        }

        await audit.WriteAsync(actor, action, ResourceTypes.User, user?.Id,
            new { email = attemptedName, twoFactor, reason = result.IsNotAllowed ? "email not confirmed" : null, knownUser = user is not null });

        if (result.Succeeded && user is not null)
        {
            user.LastLoginAt = clock.GetUtcNow();
            await users.UpdateAsync(user);
            var theme = (await preferences.GetAsync(user.Id)).Theme.ToString().ToLowerInvariant();
            context.Response.Cookies.Append(ThemeState.CookieName, theme,
                new CookieOptions { Path = "/", MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, IsEssential = true });
        }
    }

    public Task RecordAsync(HttpContext context, ApplicationUser user, string action, object? details = null) =>
        audit.WriteAsync(CurrentUser.ActorFrom(context, user.Id, user.UserName), action, ResourceTypes.User, user.Id, details);
}
