using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// The real app as a child process (<c>dotnet DeployGuard.Web.dll</c>) on a database and a free port, for tests that
/// must kill it like a crash would, and for two-instance scenarios.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, int port)
    {
        Process = process;
        Port = port;
    }

    public Process Process { get; }

    public int Port { get; }

    public string BaseUrl => $"http://localhost:{Port}";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string WebDll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeployGuard.sln")))
            {
                dir = dir.Parent;
            }

            var dll = Path.Combine(dir?.FullName ?? ".", "DeployGuard.Web", "bin", "Debug", "net10.0", "DeployGuard.Web.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build DeployGuard.Web first.", dll);
        }
    }

    /// <summary>Settings for benchmarks that drive the API much harder than the per-user rate limit allows.</summary>
    public static IReadOnlyDictionary<string, string> Unthrottled { get; } = new Dictionary<string, string>
    {
        ["Auth:RateLimits:ApiRequestsPerMinute"] = "1000000",
    };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <param name="connectionString">The run-time role's; null runs the embedded default (set Database:Embedded:DataDirectory in settings).</param>
    /// <param name="runAs">Run the app as this (non-root) user and group, through setpriv.</param>
    public static async Task<AppProcess> StartAsync(string? connectionString, int? port = null, IReadOnlyDictionary<string, string>? settings = null,
        string environment = "Development", (int Uid, int Gid)? runAs = null)
    {
        var chosen = port ?? FreePort();
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(runAs is null ? dotnet : "setpriv")
        {
            WorkingDirectory = Path.GetDirectoryName(WebDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (runAs is { } user)
        {
            foreach (var argument in new[] { $"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--", dotnet })
            {
                info.ArgumentList.Add(argument);
            }
        }

        info.ArgumentList.Add(WebDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://localhost:{chosen}");
        if (connectionString is not null)
        {
            info.Environment["ConnectionStrings__DeployGuard"] = connectionString;
            info.Environment["ConnectionStrings__Migrations"] = Infrastructure.TestPostgres.AsOwner(connectionString);
            // Instances on one database share one data folder (keys), as replicas share a mounted secret.
            var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
            info.Environment["DataDirectory"] = Path.Combine(Path.GetTempPath(), $"dg-app-{database}");
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__DeployGuard"] = "Information";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key.Replace(":", "__")] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var app = new AppProcess(process, chosen);
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.Start();
        lock (Started)
        {
            Started.Add(process);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await app.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>Runs the app in command mode (<c>dotnet DeployGuard.Web.dll db current</c>) to its exit, with a deadline.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunCommandAsync(IDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(WebDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WebDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["Logging__LogLevel__Default"] = "Warning";
        if (environment.TryGetValue("ConnectionStrings:DeployGuard", out var connectionString))
        {
            // As the server above: migrations run as the schema owner, the command's keys in the database's data folder.
            info.Environment["ConnectionStrings__Migrations"] = TestPostgres.AsOwner(connectionString);
            var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
            info.Environment["DataDirectory"] = Path.Combine(Path.GetTempPath(), $"dg-app-{database}");
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key.Replace(":", "__")] = value;
        }

        using var process = Process.Start(info)!;
        lock (Started)
        {
            Started.Add(process);
        }

        try
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
            return (process.ExitCode, await output, await error);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            lock (Started)
            {
                Started.Remove(process);
            }
        }
    }

    // Whatever happens to a test (failure in setup, an aborted run), no app outlives the test process.
    private static readonly List<Process> Started = [];

    static AppProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        lock (Started)
        {
            foreach (var process in Started)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }
    };

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan within)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"The app exited with code {Process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync($"{BaseUrl}/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Starting up.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The app did not answer /healthz within {within.TotalSeconds} s:\n{Output}");
    }

    /// <summary>SIGTERM, as systemd or Kubernetes stop a service: the host shuts down in order.</summary>
    public async Task StopAsync(TimeSpan within)
    {
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", Process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        await Process.WaitForExitAsync().WaitAsync(within);
    }

    /// <summary>SIGKILL, like a crash or the OOM killer: no shutdown code runs.</summary>
    public async Task CrashAsync()
    {
        Process.Kill(entireProcessTree: false);
        await Process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Exited meanwhile, or its output pipes stay open; the kill was sent either way.
        }

        lock (Started)
        {
            Started.Remove(Process);
        }

        Process.Dispose();
    }
}
