using System.Net.Sockets;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Hosting;

/// <summary>The real executable with bad settings: it stops before serving, one line per problem, no stack trace.</summary>
public sealed class SettingsCheckTests
{
    [Fact]
    public async Task Server_BadSettingsInSeveralSections_ExitsTwoWithOneLineNamingEachKey()
    {
        var port = AppProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            // Never reached: settings are checked first.
            ["ConnectionStrings:DeployGuard"] = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none",
            ["Jobs:Kinds:Scan:Concurrency"] = "99",
            ["Scanning:Workers"] = "2",
            ["Smtp:Port"] = "0",
            ["Database:MigrateOnStartup"] = "yes",
            ["ForwardedHeaders:Enabled"] = "maybe",
        };

        var (exit, output, error) = await AppProcess.RunCommandAsync(settings, "--urls", $"http://localhost:{port}");

        Assert.Equal(2, exit);
        var lines = error.Trim().Split('\n');
        Assert.All(lines, l => Assert.StartsWith("DeployGuard cannot start: ", l));
        Assert.Contains(lines, l => l.Contains("Jobs:Kinds:Scan:Concurrency must be between 0 and 64 (is 99)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Scanning:Workers is no longer read: set Jobs:Kinds:Scan:Concurrency", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Smtp:Port must be between 1 and 65535", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("'Database:MigrateOnStartup'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("'ForwardedHeaders:Enabled'", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", error + output);
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("localhost", port));
    }

    [Fact]
    public async Task Command_BadSetting_ExitsTwoBeforeRunning()
    {
        var database = await TestPostgres.CreateEmptyDatabaseAsync("settings");
        var settings = new Dictionary<string, string> { ["ConnectionStrings:DeployGuard"] = database, ["Scanning:Parallelism"] = "0" };

        var (exit, _, error) = await AppProcess.RunCommandAsync(settings, "db", "upgrade");

        Assert.Equal(2, exit);
        Assert.Equal("DeployGuard cannot start: The field Scanning:Parallelism must be between 1 and 256.", error.Trim());
        // Nothing ran: the empty database is still empty.
        Assert.Equal(0L, await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
    }

    [Fact]
    public async Task Server_BadDatabaseUrl_OneLineWithoutThePassword()
    {
        var (exit, _, error) = await AppProcess.RunCommandAsync(new Dictionary<string, string> { ["DATABASE_URL"] = "mysql://user:hunter2@db/x" }, "db", "current");

        Assert.Equal(2, exit);
        Assert.Equal("DeployGuard cannot start: DATABASE_URL must look like postgresql://user:pass@host:5432/database (got scheme 'mysql').", error.Trim());
    }

    [Fact]
    public async Task Server_DataDirectoryNotWritable_OneLineNamingTheFolderAndSetting()
    {
        var database = await TestPostgres.CreateEmptyDatabaseAsync("datadir");
        // A folder under a regular file can never be created, whoever runs the test (root included).
        var blocker = Path.Combine(Path.GetTempPath(), $"dg-blocker-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(blocker, "not a folder");
        try
        {
            var settings = new Dictionary<string, string> { ["ConnectionStrings:DeployGuard"] = database, ["DataDirectory"] = Path.Combine(blocker, "data") };

            var (exit, output, error) = await AppProcess.RunCommandAsync(settings, "db", "current");

            Assert.Equal(1, exit);
            Assert.StartsWith($"error: the folder {Path.Combine(blocker, "data")}", error.Trim());
            Assert.Contains("DataDirectory", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error + output);
        }
        finally
        {
            File.Delete(blocker);
        }
    }
}
