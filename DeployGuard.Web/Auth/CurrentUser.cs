using System.Security.Claims;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.AspNetCore.Components.Authorization;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Where the browser of this circuit connects from. Interactive components have no HttpContext, so App.razor
/// reads these once from the request and hands them to the interactive root (Routes).
/// </summary>
public sealed class ClientInfo
{
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
}

/// <summary>Builds the <see cref="Caller"/> (identity, roles, IP, user agent) for domain operations.</summary>
public sealed class CurrentUser(AuthenticationStateProvider authentication, ClientInfo client, IHttpContextAccessor httpContextAccessor)
{
    public async Task<Caller> GetCallerAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var http = httpContextAccessor.HttpContext;
        return From(state.User,
            http?.Connection.RemoteIpAddress?.ToString() ?? client.IpAddress,
            http is null ? client.UserAgent : http.Request.Headers.UserAgent.ToString());
    }

    public static Caller From(ClaimsPrincipal user, string? ipAddress, string? userAgent)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return new Caller(null, null, [], ipAddress, userAgent);
        }

        var roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray();
        var scope = Guid.TryParse(user.FindFirstValue(ApiTokenAuthenticationHandler.ServiceScopeClaim), out var service) ? service : (Guid?)null;
        return new Caller(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity.Name, roles, ipAddress, userAgent, scope);
    }

    public static Caller From(HttpContext context) =>
        From(context.User, context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString());

    public static AuditActor ActorFrom(HttpContext context, string? userId = null, string? userName = null) =>
        new(userId ?? context.User.FindFirstValue(ClaimTypes.NameIdentifier), userName ?? context.User.Identity?.Name,
            context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString());
}
