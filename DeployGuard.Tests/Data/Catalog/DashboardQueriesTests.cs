using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Catalog;

/// <summary>The dashboard's counts, on a database of this class alone.</summary>
public sealed class DashboardQueriesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task SummaryAsync_SmallCatalog_CountsEverythingAndGroupsServices()
    {
        var teams = db.Get<TeamService>();
        var catalog = db.Get<ServiceCatalogService>();
        var platform = (await teams.CreateAsync(new TeamInput { Name = "Platform" }, Caller.System)).Value!;
        await teams.CreateAsync(new TeamInput { Name = "Empty" }, Caller.System);
        await catalog.CreateAsync(new ServiceInput { Name = "gateway", TeamId = platform.Id, Runtime = ServiceRuntime.Go }, Caller.System);
        await catalog.CreateAsync(new ServiceInput { Name = "ingest", TeamId = platform.Id, Runtime = ServiceRuntime.Go }, Caller.System);
        await catalog.CreateAsync(new ServiceInput { Name = "orphan", Runtime = ServiceRuntime.Python }, Caller.System);
        await db.Get<EnvironmentService>().CreateAsync(new EnvironmentInput { Name = "Staging" }, Caller.System);
        await db.CreateUserAsync(Roles.Viewer);

        var summary = await db.Get<DashboardQueries>().SummaryAsync();

        Assert.Equal((3, 1, 2, 1), (summary.Services, summary.Environments, summary.Teams, summary.Users));
        Assert.Equal([new CountByTeam("Platform", 2), new CountByTeam("(no team)", 1)], summary.ServicesPerTeam);
        Assert.Equal([new CountByRuntime("Go", 2), new CountByRuntime("Python", 1)], summary.Runtimes);
    }
}
