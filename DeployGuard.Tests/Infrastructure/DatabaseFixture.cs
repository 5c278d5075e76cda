using DeployGuard.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>A fresh database per test class (xunit class fixture), with the data services wired as in the app.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public ServiceProvider Services { get; private set; } = default!;

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public ApplicationDbContext CreateContext() => Get<IDbContextFactory<ApplicationDbContext>>().CreateDbContext();

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("data");
        Services = TestPostgres.BuildDataServices(ConnectionString);
    }

    public async Task DisposeAsync() => await Services.DisposeAsync();
}
