using System.Security.Claims;
using System.Text.Encodings.Web;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Auth;

/// <summary>
/// `Authorization: Bearer dg_...` for the API and the CLI. The principal carries the token owner's current roles,
/// so a token never grants more than its owner has now; a CI token also carries its service scope.
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens,
    IServiceScopeFactory scopeFactory)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    /// <summary>The claim naming the token a request authenticated with (rate limits are per token).</summary>
    public const string TokenIdClaim = "dg:token";

    /// <summary>The service a CI token is limited to (<see cref="ServiceTokens"/> decides which endpoints it may call).</summary>
    public const string ServiceScopeClaim = "dg:service";

    /// <summary>Chooses this scheme for requests that carry a bearer token, the Identity cookie otherwise.</summary>
    public const string SelectorScheme = "DeployGuard";

    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var value = BearerToken(Request);
        if (value is null)
        {
            return AuthenticateResult.NoResult();
        }

        var owner = await tokens.AuthenticateAsync(value, Context.RequestAborted);
        if (owner is null)
        {
            return AuthenticateResult.Fail("Unknown, expired or revoked API token.");
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByIdAsync(owner.UserId);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            return AuthenticateResult.Fail("The token's owner is locked out or gone.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id),
            new(ClaimTypes.Name, user.UserName ?? user.Id),
            new(TokenIdClaim, owner.TokenId.ToString()),
        };
        if (owner.ServiceId is { } service)
        {
            claims.Add(new Claim(ServiceScopeClaim, service.ToString()));
        }

        claims.AddRange((await users.GetRolesAsync(user)).Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
