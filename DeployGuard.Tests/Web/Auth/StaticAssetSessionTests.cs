using System.Net;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Auth;

/// <summary>
/// A signed-in browser's requests for static files do not read its session from PostgreSQL (a page pulls 15-odd of
/// them); its page and API requests do. The real ticket store, with a count of its reads around it.
/// </summary>
public sealed class StaticAssetSessionTests(StaticAssetSessionTests.Factory app) : IClassFixture<StaticAssetSessionTests.Factory>
{
    public sealed class Factory : WebAppFactory
    {
        public int Reads => _store?.Reads ?? 0;

        private CountingStore? _store;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<ITicketStore>(sp =>
                _store = new CountingStore(ActivatorUtilities.CreateInstance<PostgresTicketStore>(sp))));
        }
    }

    [Fact]
    public async Task StaticAsset_SignedIn_NoSessionReadWhilePagesStillReadIt()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);
        var asset = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .First(e => e.Metadata.GetMetadata<StaticAssetDescriptor>() is not null && e.RoutePattern.RawText!.EndsWith(".css", StringComparison.Ordinal))
            .RoutePattern.RawText!;

        var before = app.Reads;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/" + asset.TrimStart('/'))).StatusCode);
        }

        Assert.Equal(before, app.Reads);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/sessions")).StatusCode);
        Assert.True(app.Reads > before, "a page request reads the session");
    }

    private sealed class CountingStore(ITicketStore inner) : ITicketStore
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public Task<string> StoreAsync(AuthenticationTicket ticket) => inner.StoreAsync(ticket);

        public Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken) => inner.StoreAsync(ticket, cancellationToken);

        public Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken) =>
            inner.StoreAsync(ticket, httpContext, cancellationToken);

        public Task RenewAsync(string key, AuthenticationTicket ticket) => inner.RenewAsync(key, ticket);

        public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken) => inner.RenewAsync(key, ticket, cancellationToken);

        public Task<AuthenticationTicket?> RetrieveAsync(string key)
        {
            Interlocked.Increment(ref _reads);
            return inner.RetrieveAsync(key);
        }

        public Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return inner.RetrieveAsync(key, cancellationToken);
        }

        public Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return inner.RetrieveAsync(key, httpContext, cancellationToken);
        }

        public Task RemoveAsync(string key) => inner.RemoveAsync(key);

        public Task RemoveAsync(string key, CancellationToken cancellationToken) => inner.RemoveAsync(key, cancellationToken);

        public Task RemoveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken) => inner.RemoveAsync(key, httpContext, cancellationToken);
    }
}
