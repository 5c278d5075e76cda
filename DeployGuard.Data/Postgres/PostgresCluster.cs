using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DeployGuard.Data.Postgres;

/// <summary>
/// A private PostgreSQL cluster in a folder of our own: initdb once, start on a free loopback port,
/// stop cleanly. The app uses it when no database is configured; the test suite uses it for throwaway
/// clusters. When the process runs as root (CI), the server programs run as the unprivileged
/// <c>postgres</c> user, because initdb refuses root.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string SuperUser = "deployguard";
    private const string RootRunAs = "postgres";

    private readonly string _binDir;
    private readonly ILogger _logger;
    private readonly bool _ownsServer;

    private PostgresCluster(string binDir, string dataDirectory, int port, string password, bool ownsServer, ILogger logger)
    {
        _binDir = binDir;
        DataDirectory = dataDirectory;
        Port = port;
        Password = password;
        _ownsServer = ownsServer;
        _logger = logger;
    }

    /// <summary>The root folder: holds <c>data/</c> (the cluster) and the generated password.</summary>
    public string DataDirectory { get; }

    public int Port { get; }

    public string Password { get; }

    private string ClusterDirectory => Path.Combine(DataDirectory, "data");

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = Password,
        Database = database,
    }.ConnectionString;

    /// <summary>
    /// Starts (initialising on first use) the cluster in <paramref name="dataDirectory"/>. If a server
    /// from an earlier run is still up on that folder, it is reused and left running on dispose.
    /// </summary>
    /// <param name="serverSettings">Extra server settings, e.g. <c>max_connections=500</c> for a test suite.</param>
    public static async Task<PostgresCluster> StartAsync(
        string dataDirectory, string? binDirectory = null, ILogger? logger = null, CancellationToken cancellationToken = default,
        IReadOnlyList<string>? serverSettings = null)
    {
        logger ??= NullLogger.Instance;
        var binDir = PostgresBinaries.Find(binDirectory) ?? throw new PostgresNotFoundException();
        Directory.CreateDirectory(dataDirectory);
        var clusterDir = Path.Combine(dataDirectory, "data");
        var passwordFile = Path.Combine(dataDirectory, "password");

        if (!File.Exists(Path.Combine(clusterDir, "PG_VERSION")))
        {
            logger.LogInformation("Initialising a new PostgreSQL cluster in {Directory} (binaries: {BinDir})", clusterDir, binDir);
            await InitDbAsync(binDir, dataDirectory, clusterDir, passwordFile, cancellationToken);
        }

        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();

        var running = RunningPort(clusterDir);
        if (running is int existingPort && await CanConnectAsync(existingPort, password, cancellationToken))
        {
            logger.LogInformation("Reusing the PostgreSQL server already running on {Directory}, port {Port}", clusterDir, existingPort);
            return new PostgresCluster(binDir, dataDirectory, existingPort, password, ownsServer: false, logger);
        }

        var port = FreePort();
        var log = Path.Combine(dataDirectory, "postgres.log");
        var startWatch = Stopwatch.StartNew();
        await RunAsync(binDir, "pg_ctl", cancellationToken,
            "-D", clusterDir, "-l", log, "-w", "-t", "60", "-o",
            $"-p {port} -c listen_addresses=127.0.0.1 -k {clusterDir} -c fsync=on"
            + string.Concat((serverSettings ?? []).Select(setting => $" -c {setting}")),
            "start");
        logger.LogInformation("PostgreSQL started on 127.0.0.1:{Port} (data: {Directory}) in {Elapsed} ms",
            port, clusterDir, startWatch.ElapsedMilliseconds);
        return new PostgresCluster(binDir, dataDirectory, port, password, ownsServer: true, logger);
    }

    /// <summary>Creates the database if it does not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"")}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task StopAsync(bool immediate = false)
    {
        if (!_ownsServer)
        {
            return;
        }

        try
        {
            await RunAsync(_binDir, "pg_ctl", CancellationToken.None,
                "-D", ClusterDirectory, "-m", immediate ? "immediate" : "fast", "-w", "stop");
            _logger.LogInformation("PostgreSQL on port {Port} stopped", Port);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            _logger.LogWarning(ex, "Stopping PostgreSQL on port {Port} failed", Port);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task InitDbAsync(string binDir, string root, string clusterDir, string passwordFile, CancellationToken ct)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await File.WriteAllTextAsync(passwordFile, password, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        // initdb reads the password from a file the server user can read; removed right after.
        var pwFile = Path.Combine(root, "initdb.pw");
        await File.WriteAllTextAsync(pwFile, password, ct);
        try
        {
            if (IsRoot)
            {
                GiveToServerUser(root);
                GiveToServerUser(pwFile);
            }

            await RunAsync(binDir, "initdb", ct,
                "-D", clusterDir, "-U", SuperUser, "--pwfile", pwFile,
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8");
        }
        finally
        {
            File.Delete(pwFile);
        }
    }

    /// <summary>The port of a live server on this folder, read from postmaster.pid, or null.</summary>
    private static int? RunningPort(string clusterDir)
    {
        var pidFile = Path.Combine(clusterDir, "postmaster.pid");
        try
        {
            var lines = File.ReadAllLines(pidFile);
            if (lines.Length > 3 && int.TryParse(lines[0], out var pid) && int.TryParse(lines[3], out var port))
            {
                using var process = Process.GetProcessById(pid);
                return process.HasExited ? null : port;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            // No pid file, or the process is gone: not running.
        }

        return null;
    }

    private static async Task<bool> CanConnectAsync(int port, string password, CancellationToken ct)
    {
        try
        {
            var cs = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port, Username = SuperUser, Password = password, Database = "postgres", Timeout = 3,
                Pooling = false,
            };
            await using var connection = new NpgsqlConnection(cs.ConnectionString);
            await connection.OpenAsync(ct);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static readonly Lazy<bool> RunningAsRoot = new(() =>
    {
        // Effective uid from /proc (Linux); user name elsewhere.
        try
        {
            var uidLine = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var fields = uidLine?.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields is { Length: > 2 })
            {
                return fields[2] == "0";
            }
        }
        catch (IOException)
        {
        }

        return Environment.UserName == "root";
    });

    private static bool IsRoot => !OperatingSystem.IsWindows() && RunningAsRoot.Value;

    private static void GiveToServerUser(string path)
    {
        var psi = new ProcessStartInfo("chown", ["-R", $"{RootRunAs}:", path]) { UseShellExecute = false };
        using var process = Process.Start(psi)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown of {path} to the '{RootRunAs}' user failed.");
        }
    }

    private static async Task RunAsync(string binDir, string program, CancellationToken ct, params string[] args)
    {
        var exe = Path.Combine(binDir, program);
        var psi = IsRoot
            ? new ProcessStartInfo("runuser", ["-u", RootRunAs, "--", exe, .. args])
            : new ProcessStartInfo(exe, args);
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        // pg_ctl start leaves the server holding inherited pipes open; read to end only what we need.
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {exe}");
        var output = new StringBuilder();
        var stdout = DrainAsync(process.StandardOutput, output);
        var stderr = DrainAsync(process.StandardError, output);
        await process.WaitForExitAsync(ct);
        // The postmaster inherits our pipes: don't wait forever for them to close.
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(2), ct));
        if (process.ExitCode != 0)
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed with exit code {process.ExitCode}:\n{text}");
        }
    }

    private static async Task DrainAsync(StreamReader reader, StringBuilder sink)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (sink)
            {
                sink.AppendLine(line);
            }
        }
    }
}

public sealed class PostgresNotFoundException() : Exception(
    "No database is configured and no PostgreSQL server binaries (initdb, pg_ctl) were found in PATH, " +
    "/usr/lib/postgresql/*/bin or `pg_config --bindir`. Either set DATABASE_URL " +
    "(postgresql://user:pass@host:5432/deployguard) or ConnectionStrings__DeployGuard to an existing server, " +
    "or run `docker compose up` to start DeployGuard with its own PostgreSQL, or install PostgreSQL " +
    "(apt-get install postgresql).");
