using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Users;

public sealed class RoleSeederTests
{
    [Fact]
    public async Task EnsureRolesAsync_SeveralInstancesAtOnceOnEmptyTable_CreatesEachRoleOnce()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("roles");
        await Sql.ExecuteAsync(connectionString, "DELETE FROM roles");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var seeder = services.GetRequiredService<RoleSeeder>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => seeder.EnsureRolesAsync())));
        await seeder.EnsureRolesAsync();

        Assert.Equal(Roles.All.Order(), await Sql.ListAsync<string>(connectionString, "SELECT name::text FROM roles ORDER BY name"));
        Assert.Equal(Roles.All.Select(r => r.ToUpperInvariant()).Order(),
            await Sql.ListAsync<string>(connectionString, "SELECT normalized_name::text FROM roles ORDER BY normalized_name"));
    }
}
