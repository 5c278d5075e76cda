using System.Net;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Auth;

/// <summary>
/// Pages that change the security stamp keep the session that changed it signed in; a stamp changed elsewhere ends it.
/// The stamp is checked on every request here (the app checks once a minute), so the test does not wait for the clock.
/// </summary>
public sealed class SecurityStampTests(SecurityStampTests.Factory app) : IClassFixture<SecurityStampTests.Factory>
{
    public sealed class Factory : WebAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero));
        }
    }

    [Fact]
    public async Task EnableAuthenticatorPage_FirstVisitCreatesTheKey_SessionStaysSignedIn()
    {
        var (client, user) = await app.SignInNewUserAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/sessions")).StatusCode);
        var stampBefore = await StampAsync(user);

        var page = await client.GetAsync("/Account/Manage/EnableAuthenticator");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.NotEqual(stampBefore, await StampAsync(user));
        var after = await client.GetAsync("/account/sessions");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task StampChangedElsewhere_NextRequest_SignedOut()
    {
        var (client, user) = await app.SignInNewUserAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/sessions")).StatusCode);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByIdAsync(user.Id))!);
        }

        var after = await client.GetAsync("/account/sessions");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/Account/Login", after.Headers.Location?.OriginalString);
    }

    private async Task<string?> StampAsync(ApplicationUser user)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.GetSecurityStampAsync((await users.FindByIdAsync(user.Id))!);
    }
}
