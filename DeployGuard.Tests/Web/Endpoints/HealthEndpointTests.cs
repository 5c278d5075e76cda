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

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Probes_Head_Answer200LikeGet(string path)
    {
        using var response = await app.NewClient().SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
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

/// <summary>The app run (against the advice) as the database superuser: it says so in /readyz and to admins in a banner.</summary>
public sealed class SuperuserWebAppFactory : WebAppFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        ConnectionString = TestPostgres.AsSuperuser(ConnectionString);
    }
}

public sealed class DatabaseRoleWarningTests(SuperuserWebAppFactory app) : IClassFixture<SuperuserWebAppFactory>
{
    [Fact]
    public async Task Readyz_RuntimeRoleIsSuperuser_StaysReadyAndSaysSo()
    {
        var body = await (await app.NewClient().GetAsync("/readyz")).Content.ReadFromJsonAsync<JsonElement>();

        var database = body.GetProperty("database");
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.True(database.GetProperty("superuser").GetBoolean());
        Assert.False(database.GetProperty("leastPrivilege").GetBoolean());
        Assert.Contains("is a superuser", database.GetProperty("warning").GetString());
    }

    [Fact]
    public async Task AnyPage_RuntimeRoleIsSuperuser_AdminsSeeTheBannerOthersDoNot()
    {
        var (admin, _) = await app.SignInNewUserAsync(DeployGuard.Data.Services.Users.Roles.Admin);
        var (viewer, _) = await app.SignInNewUserAsync(DeployGuard.Data.Services.Users.Roles.Viewer);

        var adminPage = await admin.GetStringAsync("/");
        var viewerPage = await viewer.GetStringAsync("/");

        Assert.Contains("dg-security-banner", adminPage);
        Assert.Contains("is a superuser: anyone holding its connection can disable the audit triggers", System.Net.WebUtility.HtmlDecode(adminPage));
        Assert.DoesNotContain("dg-security-banner", viewerPage);
    }
}

public sealed class LeastPrivilegeReadinessTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Readyz_RuntimeRoleWithRowsOnly_ReportsLeastPrivilege()
    {
        var body = await (await app.NewClient().GetAsync("/readyz")).Content.ReadFromJsonAsync<JsonElement>();

        var database = body.GetProperty("database");
        Assert.Equal(TestPostgres.AppRole, database.GetProperty("role").GetString());
        Assert.True(database.GetProperty("leastPrivilege").GetBoolean());
        Assert.Equal(JsonValueKind.Null, database.GetProperty("warning").ValueKind);
    }
}
