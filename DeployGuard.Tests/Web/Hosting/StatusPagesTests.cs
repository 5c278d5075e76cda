using System.Net;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Hosting;

/// <summary>
/// Issue 9 §4: the not-found page answers 404 (by its own address and for a miss), the error page 500 (a page that throws
/// while it renders, outside Development), so a monitor or a crawler never reads either as a page that works.
/// </summary>
public sealed class StatusPagesTests(StatusPagesTests.Factory app) : IClassFixture<StatusPagesTests.Factory>
{
    /// <summary>The app outside Development (the exception handler on), with a dashboard whose data service cannot be made.</summary>
    public sealed class Factory : WebAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Not a database outage (the page shows those itself): a bug, which only the error page may answer.
            builder.ConfigureServices(services => services.AddScoped<DashboardQueries>(_ => throw new InvalidOperationException("a bug in the dashboard")));
        }
    }

    [Theory]
    [InlineData("/not-found")]
    [InlineData("/no-such-page")]
    [InlineData("/deployments/00000000-0000-0000-0000-000000000001")]
    public async Task Get_PageThatIsNotThere_404WithTheNotFoundPage(string path)
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("data-testid=\"not-found\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_PageThrowsWhileRendering_500WithTheErrorPageAndNoInternals()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);

        var response = await client.GetAsync("/");

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("data-testid=\"error-page\"", html);
        Assert.DoesNotContain("a bug in the dashboard", html);
        Assert.DoesNotContain("InvalidOperationException", html);
    }
}
