using System.Diagnostics;
using DeployGuard.Data.Postgres;
using DeployGuard.Tests.Infrastructure;
using Npgsql;

namespace DeployGuard.Tests.Data.Postgres;

/// <summary>The embedded default's cluster on throwaway folders: initdb once, data kept across restarts.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresClusterTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"dg-cluster-{Guid.NewGuid():N}");
    private readonly List<PostgresCluster> _started = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var cluster in _started)
        {
            await cluster.StopAsync(immediate: true);
        }

        NpgsqlConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_NewFolder_InitialisesAPrivateClusterOnLoopback()
    {
        var cluster = await StartAsync();

        var version = await Sql.ScalarAsync<string>(cluster.ConnectionString("postgres"), "SHOW server_version");
        var listen = await Sql.ScalarAsync<string>(cluster.ConnectionString("postgres"), "SHOW listen_addresses");

        Assert.False(string.IsNullOrEmpty(version));
        Assert.Equal("127.0.0.1", listen);
        Assert.True(File.Exists(Path.Combine(_root, "data", "PG_VERSION")));
        Assert.False(File.Exists(Path.Combine(_root, "initdb.pw")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_root, "password")));
        await Assert.ThrowsAsync<PostgresException>(() => Sql.ScalarAsync<int>(
            new NpgsqlConnectionStringBuilder(cluster.ConnectionString("postgres")) { Password = "wrong" }.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task StartAsync_AfterStop_ReusesTheDataOfTheFirstRun()
    {
        var first = await StartAsync();
        await first.EnsureDatabaseAsync("keep");
        await Sql.ExecuteAsync(first.ConnectionString("keep"), "CREATE TABLE notes (text text); INSERT INTO notes VALUES ('survives')");
        await first.StopAsync();
        NpgsqlConnection.ClearAllPools();

        var second = await StartAsync();
        await second.EnsureDatabaseAsync("keep"); // exists already: a no-op

        Assert.Equal(first.Password, second.Password);
        Assert.Equal("survives", await Sql.ScalarAsync<string>(second.ConnectionString("keep"), "SELECT text FROM notes"));
    }

    [Fact]
    public async Task StartAsync_ServerStillRunning_ReusesItAndLeavesItRunningOnStop()
    {
        var owner = await StartAsync();

        var guest = await PostgresCluster.StartAsync(_root);
        await guest.StopAsync();

        Assert.Equal(owner.Port, guest.Port);
        Assert.Equal(1, await Sql.ScalarAsync<int>(owner.ConnectionString("postgres"), "SELECT 1"));
    }

    [Fact]
    public async Task StartAsync_StaleLockFileFromACrashedRun_StartsAnyway()
    {
        var first = await StartAsync();
        await first.StopAsync();
        NpgsqlConnection.ClearAllPools();
        // What a killed server leaves behind: postmaster.pid naming a process that no longer exists.
        using (var gone = Process.Start("true")!)
        {
            await gone.WaitForExitAsync();
            await File.WriteAllLinesAsync(Path.Combine(_root, "data", "postmaster.pid"),
                [gone.Id.ToString(), Path.Combine(_root, "data"), "0", first.Port.ToString(), "", "127.0.0.1", "0 0", "ready"]);
        }

        var second = await StartAsync();

        Assert.Equal(1, await Sql.ScalarAsync<int>(second.ConnectionString("postgres"), "SELECT 1"));
    }

    private async Task<PostgresCluster> StartAsync()
    {
        var cluster = await PostgresCluster.StartAsync(_root);
        _started.Add(cluster);
        return cluster;
    }
}
