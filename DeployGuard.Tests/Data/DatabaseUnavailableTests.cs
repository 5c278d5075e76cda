using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Releases;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DeployGuard.Tests.Data;

/// <summary>
/// When PostgreSQL does not answer, services throw the NpgsqlException itself (not EF's "likely a transient failure"
/// InvalidOperationException wrapper), so the pages' "could not be loaded" handlers catch it instead of the error
/// taking the whole page down.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public async Task Queries_DatabaseUnreachable_ThrowNpgsqlExceptionThatPagesCatch()
    {
        // Nothing listens on port 1: a real, immediate connection failure.
        await using var services = TestPostgres.BuildDataServices("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2");

        var list = await Assert.ThrowsAnyAsync<Exception>(() => services.GetRequiredService<ReleaseService>().ListAsync(new ReleaseQuery()));
        var detail = await Assert.ThrowsAnyAsync<Exception>(() => services.GetRequiredService<DeploymentQueries>().GetAsync(Guid.NewGuid()));

        Assert.IsAssignableFrom<NpgsqlException>(list);
        Assert.IsAssignableFrom<NpgsqlException>(detail);
    }
}
