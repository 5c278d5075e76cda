using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>The real app in-process (TestServer) on its own fresh database.</summary>
public class WebAppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string ConnectionString { get; protected set; } = "";

    /// <summary>The app's data folder (keys, audit checkpoints) for this factory alone.</summary>
    public string DataDirectory { get; init; } = Path.Combine(Path.GetTempPath(), $"dg-web-{Guid.NewGuid():N}");

    public virtual async Task InitializeAsync() => ConnectionString = await TestPostgres.CreateDatabaseAsync("web");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Outside Development the host does not map static web assets (Radzen's _content, blazor.web.js)
        // from their build-time locations; a browser needs them.
        builder.UseStaticWebAssets();
        // Real Identity, cheaper hashing: the suite creates and signs in hundreds of accounts.
        builder.ConfigureServices(services => services.Configure<PasswordHasherOptions>(o => o.IterationCount = TestPostgres.PasswordIterations));
    }

    // Program reads the connection string before Build(); only host configuration arrives that early
    // (dotnet/aspnetcore#37680).
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:DeployGuard"] = ConnectionString,
            ["ConnectionStrings:Migrations"] = TestPostgres.AsOwner(ConnectionString),
            ["DataDirectory"] = DataDirectory,
        }));
        return base.CreateHost(builder);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
