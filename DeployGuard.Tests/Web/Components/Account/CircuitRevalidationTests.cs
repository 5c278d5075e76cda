using System.Security.Claims;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Components.Account;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DeployGuard.Tests.Web.Components.Account;

/// <summary>
/// The periodic re-check of an open circuit's sign-in: an ended session signs it out, but a database that does not
/// answer (pool exhausted under load, failover) must not sign every open page out.
/// </summary>
public sealed class CircuitRevalidationTests
{
    private static AuthenticationState SignedIn(Guid sessionId) => new(new ClaimsPrincipal(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, "user-1"), new Claim(SessionClaims.SessionId, sessionId.ToString())], "Identity.Application")));

    private static IdentityRevalidatingAuthenticationStateProvider Provider(ServiceProvider services) => new(
        NullLoggerFactory.Instance, services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<SessionService>(),
        services.GetRequiredService<IOptions<IdentityOptions>>(), new ConfigurationBuilder().Build());

    [Fact]
    public async Task RevalidateAsync_DatabaseUnreachable_KeepsTheCircuitSignedIn()
    {
        // Nothing listens on port 1: every query fails with a real connection error.
        await using var services = TestPostgres.BuildDataServices("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2");

        var valid = await Provider(services).RevalidateAsync(SignedIn(Guid.NewGuid()), CancellationToken.None);

        Assert.True(valid);
    }

    [Fact]
    public async Task RevalidateAsync_SessionThatDoesNotExist_SignsTheCircuitOut()
    {
        await using var services = TestPostgres.BuildDataServices(await TestPostgres.CreateDatabaseAsync("reval"));

        var valid = await Provider(services).RevalidateAsync(SignedIn(Guid.NewGuid()), CancellationToken.None);

        Assert.False(valid);
    }
}
