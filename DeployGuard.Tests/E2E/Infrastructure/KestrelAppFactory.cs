using System.Net;
using System.Net.Sockets;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace DeployGuard.Tests.E2E.Infrastructure;

/// <summary>
/// The real app on a real Kestrel port on localhost (a browser cannot reach TestServer), on a fresh database.
/// </summary>
public class KestrelAppFactory : WebAppFactory
{
    private readonly int _port = FreePort();

    public string BaseUrl => $"http://localhost:{_port}";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        UseKestrel(options => options.ListenLocalhost(_port));
        StartServer();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Open circuits notice a revoked session within a couple of seconds instead of 30.
            ["Auth:CircuitRevalidationSeconds"] = "2",
        }));
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:CircuitRevalidationSeconds"] = "2",
        }));
        return base.CreateHost(builder);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
