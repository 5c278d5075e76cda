using Npgsql;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// A plain Npgsql data source for the hot paths that bypass EF Core: batched log inserts, NOTIFY, and the
/// runner's LISTEN connection.
/// </summary>
public sealed class DeploymentsDataSource(string connectionString) : IAsyncDisposable
{
    public NpgsqlDataSource Source { get; } = NpgsqlDataSource.Create(connectionString);

    public string ConnectionString => connectionString;

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
