using System.Security.Claims;

namespace DeployGuard.Web.Auth;

internal static class SessionClaims
{
    /// <summary>The server-side session id, added to the principal when the ticket is loaded from the store.</summary>
    public const string SessionId = "dg:sid";

    public static Guid? GetSessionId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(SessionId), out var id) ? id : null;
}
