using System.Security.Claims;
using DeployGuard.Data.Services.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Keeps authentication tickets in PostgreSQL (user_sessions) so the cookie holds only a session key.
/// Deleting or revoking the row ends the session at the browser's next request.
/// </summary>
internal sealed class PostgresTicketStore(SessionService sessions, IDataProtectionProvider dataProtection) : ITicketStore
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("DeployGuard.Sessions.Ticket");

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, null!, CancellationToken.None);

    public Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken) => StoreAsync(ticket, null!, cancellationToken);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var userId = ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier)
                     ?? throw new InvalidOperationException("Cannot store a session without a user id.");
        var ip = httpContext?.Connection.RemoteIpAddress?.ToString();
        var userAgent = httpContext?.Request.Headers.UserAgent.ToString();
        var id = await sessions.CreateAsync(userId, Serialize(ticket), ticket.Properties.ExpiresUtc, ip, userAgent, cancellationToken);
        return id.ToString("N");
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    public async Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        if (Guid.TryParseExact(key, "N", out var id))
        {
            await sessions.RenewAsync(id, Serialize(ticket), ticket.Properties.ExpiresUtc, cancellationToken);
        }
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(key, "N", out var id))
        {
            return null;
        }

        var stored = await sessions.FindTicketAsync(id, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        AuthenticationTicket? ticket;
        try
        {
            ticket = TicketSerializer.Default.Deserialize(_protector.Unprotect(stored));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null; // Key ring lost or rotated out: treat as signed out.
        }

        if (ticket?.Principal.Identity is ClaimsIdentity identity && identity.FindFirst(SessionClaims.SessionId) is null)
        {
            identity.AddClaim(new Claim(SessionClaims.SessionId, id.ToString()));
        }

        return ticket;
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        if (Guid.TryParseExact(key, "N", out var id))
        {
            await sessions.RemoveAsync(id, cancellationToken);
        }
    }

    private byte[] Serialize(AuthenticationTicket ticket) => _protector.Protect(TicketSerializer.Default.Serialize(ticket));
}
