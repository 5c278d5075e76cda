using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Hosting;

/// <summary>
/// The real app on its embedded cluster, as a child process: killed with SIGKILL and started again it adopts the server
/// the dead process left running and stops it on shutdown; problems a user can fix end in one line and a non-zero exit.
/// </summary>
[Collection(AppProcessCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EmbeddedDatabaseStartTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dg-embedded-").FullName;

    public EmbeddedDatabaseStartTests()
    {
        // As root the server runs as 'postgres', which must reach the folder; the runner user must not read it (0711).
        File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute |
                                    UnixFileMode.OtherExecute);
    }

    public void Dispose()
    {
        var pidFile = Path.Combine(_root, "pg", "data", "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var pid) && Alive(pid))
        {
            Process.GetProcessById(pid).Kill();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task AppKilled_StartedAgain_AdoptsTheRunningClusterAndStopsItOnShutdown()
    {
        var settings = new Dictionary<string, string> { ["Database:Embedded:DataDirectory"] = Path.Combine(_root, "pg") };
        await using (var first = await AppProcess.StartAsync(null, settings: settings))
        {
            await first.CrashAsync();
        }

        var postmaster = PostmasterPid();
        Assert.True(Alive(postmaster), "the killed app's PostgreSQL keeps running");

        await using var second = await AppProcess.StartAsync(null, settings: settings);
        Assert.Equal(postmaster, PostmasterPid());
        Assert.Contains("Adopted the PostgreSQL server", second.Output);
        await second.StopAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, second.Process.ExitCode);
        Assert.False(Alive(postmaster), $"PostgreSQL {postmaster} still runs after the app stopped:\n{second.Output}");
    }

    [Fact]
    public async Task Start_FolderTheServerCannotUse_ExitsNonZeroWithOneLine()
    {
        // A private parent: the 'postgres' user (when we are root) cannot reach it; nobody else may create in it.
        var locked = Path.Combine(_root, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, Environment.UserName == "root" ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            : UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var (exit, output) = await RunAsync(new() { ["Database__Embedded__DataDirectory"] = Path.Combine(locked, "pg") });

        Assert.NotEqual(0, exit);
        AssertOneLine(output, "error: The embedded PostgreSQL folder");
    }

    [Fact]
    public async Task Start_PortInUse_ExitsNonZeroWithOneLine()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var (exit, output) = await RunAsync(new()
        {
            ["Database__Embedded__DataDirectory"] = Path.Combine(_root, "pg"), ["Database__Embedded__Port"] = port.ToString(),
        });

        Assert.NotEqual(0, exit);
        AssertOneLine(output, $"error: Port {port} for the embedded PostgreSQL is in use");
    }

    [Fact]
    public async Task Start_NoPostgresBinaries_ExitsNonZeroWithOneLine()
    {
        // The binaries are installed on this machine: hide them in a mount namespace of the app's own (bubblewrap).
        Assert.True(File.Exists("/usr/bin/bwrap"), "bubblewrap is installed by scripts/test.sh");

        var (exit, output) = await RunAsync(new()
        {
            ["Database__Embedded__DataDirectory"] = Path.Combine(_root, "pg"), ["PATH"] = "/usr/bin:/bin",
        }, ["/usr/bin/bwrap", "--dev-bind", "/", "/", "--tmpfs", "/usr/lib/postgresql", "--tmpfs", "/usr/local/bin", "--"]);

        Assert.NotEqual(0, exit);
        AssertOneLine(output, "error: No database is configured and no PostgreSQL server binaries");
    }

    private static void AssertOneLine(string output, string expected)
    {
        var errors = output.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1 && errors[0].StartsWith(expected, StringComparison.Ordinal), output);
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.DoesNotContain("   at ", output);
    }

    private static async Task<(int Exit, string Output)> RunAsync(Dictionary<string, string> environment, string[]? prefix = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(prefix is null ? dotnet : prefix[0])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AppProcess.WebDll)!,
        };
        if (prefix is not null)
        {
            foreach (var argument in prefix.Skip(1).Append(dotnet))
            {
                info.ArgumentList.Add(argument);
            }
        }

        info.ArgumentList.Add(AppProcess.WebDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://localhost:{AppProcess.FreePort()}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }

    private int PostmasterPid() => int.Parse(File.ReadLines(Path.Combine(_root, "pg", "data", "postmaster.pid")).First());

    private static bool Alive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z";
}
