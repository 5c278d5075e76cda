using DeployGuard.Data.Postgres;

namespace DeployGuard.Tests.Data.Postgres;

/// <summary>Where the embedded default looks for initdb and pg_ctl, on fake folders (no process-wide PATH changes).</summary>
public sealed class PostgresBinariesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dg-pgbin-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Find_NothingAnywhere_ReturnsNull()
    {
        var result = PostgresBinaries.Find(Path.Combine(_root, "bogus"), Path.Combine(_root, "nowhere"), Path.Combine(_root, "no-debian"), () => null);

        Assert.Null(result);
    }

    [Fact]
    public void Find_ConfiguredFolderWithServer_WinsOverPath()
    {
        var configured = ServerFolder("configured");
        var onPath = ServerFolder("on-path");

        var result = PostgresBinaries.Find(configured, onPath, Path.Combine(_root, "no-debian"), () => null);

        Assert.Equal(configured, result);
    }

    [Fact]
    public void Find_BogusConfiguredFolder_FallsBackToPath()
    {
        var onPath = ServerFolder("on-path");
        var path = string.Join(Path.PathSeparator, Path.Combine(_root, "empty"), onPath);

        var result = PostgresBinaries.Find(Path.Combine(_root, "bogus"), path, Path.Combine(_root, "no-debian"), () => null);

        Assert.Equal(onPath, result);
    }

    [Fact]
    public void Find_FolderWithInitdbButNoPgCtl_IsSkipped()
    {
        var half = Path.Combine(_root, "half");
        Directory.CreateDirectory(half);
        File.WriteAllText(Path.Combine(half, "initdb"), "");
        var whole = ServerFolder("whole");

        var result = PostgresBinaries.Find(null, string.Join(Path.PathSeparator, half, whole), Path.Combine(_root, "no-debian"), () => null);

        Assert.Equal(whole, result);
    }

    [Fact]
    public void Find_DebianLayoutWithSeveralVersions_PrefersTheNewest()
    {
        var debian = Path.Combine(_root, "usr-lib-postgresql");
        ServerFolder(Path.Combine("usr-lib-postgresql", "9", "bin"));
        var newest = ServerFolder(Path.Combine("usr-lib-postgresql", "16", "bin"));
        ServerFolder(Path.Combine("usr-lib-postgresql", "15", "bin"));

        var result = PostgresBinaries.Find(null, "", debian, () => null);

        Assert.Equal(newest, result);
    }

    [Fact]
    public void Find_OnlyPgConfigKnows_UsesItsBinDir()
    {
        var fromPgConfig = ServerFolder("pgconfig-bindir");

        var result = PostgresBinaries.Find(null, null, Path.Combine(_root, "no-debian"), () => fromPgConfig);

        Assert.Equal(fromPgConfig, result);
    }

    [Fact]
    public void Find_ThisMachine_FindsTheInstalledServer()
    {
        var result = PostgresBinaries.Find();

        Assert.NotNull(result);
        Assert.True(File.Exists(Path.Combine(result, "initdb")));
    }

    [Fact]
    public void PostgresNotFoundException_Message_NamesBothWaysOut()
    {
        var message = new PostgresNotFoundException().Message;

        Assert.Contains("DATABASE_URL", message);
        Assert.Contains("docker compose up", message);
        Assert.Contains("initdb", message);
    }

    private string ServerFolder(string relative)
    {
        var dir = Path.Combine(_root, relative);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "initdb"), "");
        File.WriteAllText(Path.Combine(dir, "pg_ctl"), "");
        return dir;
    }
}
