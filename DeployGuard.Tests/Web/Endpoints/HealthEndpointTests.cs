using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Data.Migrations;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Endpoints;

public sealed class HealthEndpointTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Healthz_Anonymous_Returns200Ok()
    {
        var response = await app.NewClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_MigratedDatabase_Returns200WithCurrentMigration()
    {
        var response = await app.NewClient().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ready", body.GetProperty("status").GetString());
        var head = (await app.Services.GetRequiredService<SchemaMigrator>().AllAsync())[^1];
        Assert.Equal(head, body.GetProperty("migration").GetString());
    }
}

/// <summary>An app started with migrations switched off on a database that has none applied.</summary>
public sealed class UnmigratedWebAppFactory : WebAppFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var services = TestPostgres.BuildDataServices(ConnectionString);
        await services.GetRequiredService<SchemaMigrator>().DowngradeAsync(SchemaMigrator.Base);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Database:MigrateOnStartup", "false");
    }
}

public sealed class ReadinessTests(UnmigratedWebAppFactory app) : IClassFixture<UnmigratedWebAppFactory>
{
    [Fact]
    public async Task Readyz_PendingMigrations_Returns503NamingThem()
    {
        var response = await app.NewClient().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending migrations", body.GetProperty("reason").GetString());
        Assert.Equal("20261121000000_Initial", body.GetProperty("pending")[0].GetString());
    }

    [Fact]
    public async Task Healthz_PendingMigrations_StillReturns200()
    {
        var response = await app.NewClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
