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
    /// Starts (initialising on first use) the cluster in <paramref name="dataDirectory"/>. A server on that folder that
    /// a live process started (another app instance, a command next to a running server) is reused and left running on
    /// dispose; one whose starter is gone (the app was killed) is adopted: this instance now owns it and stops it.
    /// Problems a user can fix (no binaries, a folder the server user cannot reach, a port in use, a server that does not
    /// start) are <see cref="EmbeddedDatabaseException"/>s with a one-line message.
    /// </summary>
    /// <param name="serverSettings">Extra server settings, e.g. <c>max_connections=500</c> for a test suite.</param>
    /// <param name="port">A fixed port; 0 picks a free one.</param>
    public static async Task<PostgresCluster> StartAsync(
        string dataDirectory, string? binDirectory = null, ILogger? logger = null, CancellationToken cancellationToken = default,
        IReadOnlyList<string>? serverSettings = null, int port = 0)
    {
        logger ??= NullLogger.Instance;
        var binDir = PostgresBinaries.Find(binDirectory) ?? throw new PostgresNotFoundException();
        dataDirectory = Path.GetFullPath(dataDirectory);
        CreateFolder(dataDirectory);
        var clusterDir = Path.Combine(dataDirectory, "data");
        var passwordFile = Path.Combine(dataDirectory, "password");

        if (!File.Exists(Path.Combine(clusterDir, "PG_VERSION")))
        {
            logger.LogInformation("Initialising a new PostgreSQL cluster in {Directory} (binaries: {BinDir})", clusterDir, binDir);
            await InitDbAsync(binDir, dataDirectory, clusterDir, passwordFile, cancellationToken);
        }

        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        if (!OperatingSystem.IsWindows())
        {
            // Password files, socket, log: nobody but the server's user (and root) may even list them.
            File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var running = RunningPort(clusterDir);
        if (running is int existingPort && await CanConnectAsync(existingPort, password, cancellationToken))
        {
            if (StarterAlive(dataDirectory) is { } starter)
            {
                logger.LogInformation("Reusing the PostgreSQL server on {Directory}, port {Port}, run by process {Pid}", clusterDir, existingPort, starter);
                return new PostgresCluster(binDir, dataDirectory, existingPort, password, ownsServer: false, logger);
            }

            // Started by a process that no longer exists (killed, crashed): nobody would ever stop it. It is ours now.
            WriteStarter(dataDirectory);
            logger.LogWarning("Adopted the PostgreSQL server on {Directory}, port {Port}, left running by a process that is gone; it stops with this app",
                clusterDir, existingPort);
            return new PostgresCluster(binDir, dataDirectory, existingPort, password, ownsServer: true, logger);
        }

        if (port == 0)
        {
            port = FreePort();
        }
        else if (!PortFree(port))
        {
            throw new EmbeddedDatabaseException(
                $"Port {port} for the embedded PostgreSQL is in use by another program: choose another Database__Embedded__Port or leave it unset to pick a free one.");
        }

        CheckServerUserCanReach(dataDirectory);
        var log = Path.Combine(dataDirectory, "postgres.log");
        var startWatch = Stopwatch.StartNew();
        try
        {
            await RunAsync(binDir, "pg_ctl", cancellationToken,
                "-D", clusterDir, "-l", log, "-w", "-t", "60", "-o",
                $"-p {port} -c listen_addresses=127.0.0.1 -k {clusterDir} -c fsync=on"
                + string.Concat((serverSettings ?? []).Select(setting => $" -c {setting}")),
                "start");
        }
        catch (InvalidOperationException ex)
        {
            var reason = LastServerError(log) ?? LastLine(ex.Message);
            throw new EmbeddedDatabaseException(reason.Contains("could not bind", StringComparison.OrdinalIgnoreCase) ||
                                                reason.Contains("already in use", StringComparison.OrdinalIgnoreCase)
                ? $"Port {port} for the embedded PostgreSQL is in use by another program ({reason}): set Database__Embedded__Port to a free port."
                : $"The embedded PostgreSQL server in {clusterDir} did not start: {reason} (log: {log}).", ex);
        }

        WriteStarter(dataDirectory);
        logger.LogInformation("PostgreSQL started on 127.0.0.1:{Port} (data: {Directory}) in {Elapsed} ms",
            port, clusterDir, startWatch.ElapsedMilliseconds);
        return new PostgresCluster(binDir, dataDirectory, port, password, ownsServer: true, logger);
    }

    /// <summary>Whether this instance stops the server when it stops (it started or adopted it).</summary>
    public bool OwnsServer => _ownsServer;

    /// <summary>
    /// Creates (or updates) the schema owner and the run-time login roles with passwords kept in this folder (0600, next to
    /// the superuser's), hands the database to the owner and returns both connection strings. The superuser's own
    /// connection stays here, for provisioning only.
    /// </summary>
    public async Task<DatabaseConnections> EnsureRolesAsync(string database, CancellationToken cancellationToken = default)
    {
        var ownerPassword = await SecretFileAsync(Path.Combine(DataDirectory, "owner.password"), cancellationToken);
        var appPassword = await SecretFileAsync(Path.Combine(DataDirectory, "app.password"), cancellationToken);
        await using (var server = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await server.OpenAsync(cancellationToken);
            await DatabaseRoles.EnsureLoginRoleAsync(server, DatabaseRoles.EmbeddedOwner, ownerPassword, cancellationToken);
            await DatabaseRoles.EnsureLoginRoleAsync(server, DatabaseRoles.EmbeddedApp, appPassword, cancellationToken);
        }

        await DatabaseRoles.PrepareDatabaseAsync(ConnectionString(database), database, DatabaseRoles.EmbeddedOwner, DatabaseRoles.EmbeddedApp,
            cancellationToken);
        return new DatabaseConnections(
            RoleConnectionString(database, DatabaseRoles.EmbeddedApp, appPassword),
            RoleConnectionString(database, DatabaseRoles.EmbeddedOwner, ownerPassword));
    }

    public string RoleConnectionString(string database, string role, string password) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = role,
        Password = password,
        Database = database,
    }.ConnectionString;

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
            File.Delete(StarterFile(DataDirectory));
            _logger.LogInformation("PostgreSQL on port {Port} stopped", Port);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            _logger.LogWarning(ex, "Stopping PostgreSQL on port {Port} failed", Port);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static void CreateFolder(string dataDirectory)
    {
        try
        {
            Directory.CreateDirectory(dataDirectory);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new EmbeddedDatabaseException(
                $"The embedded PostgreSQL folder {dataDirectory} cannot be created ({ex.Message}): set Database__Embedded__DataDirectory to a folder this user may write.", ex);
        }
    }

    /// <summary>As root the server runs as 'postgres', which must be able to reach the folder (not under a private /root).</summary>
    private static void CheckServerUserCanReach(string folder)
    {
        if (!IsRoot)
        {
            return;
        }

        using var probe = Process.Start(new ProcessStartInfo("runuser", ["-u", RootRunAs, "--", "test", "-w", folder, "-a", "-x", folder])
        {
            UseShellExecute = false, RedirectStandardError = true,
        })!;
        probe.WaitForExit();
        if (probe.ExitCode != 0)
        {
            throw new EmbeddedDatabaseException(
                $"The embedded PostgreSQL folder {folder} is not reachable by the '{RootRunAs}' user that runs the server when DeployGuard runs as root " +
                "(a parent folder is private, e.g. /root): set Database__Embedded__DataDirectory to a folder such as /var/lib/deployguard/postgres.");
        }
    }

    private static async Task<string> SecretFileAsync(string path, CancellationToken ct)
    {
        if (File.Exists(path))
        {
            return (await File.ReadAllTextAsync(path, ct)).Trim();
        }

        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(path, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(secret);
        }

        return secret;
    }

    // Who started the server: "pid start-time" of the process, so a recycled pid is not taken for the starter.
    private static string StarterFile(string dataDirectory) => Path.Combine(dataDirectory, "server.owner");

    private static void WriteStarter(string dataDirectory)
    {
        var self = Environment.ProcessId;
        File.WriteAllText(StarterFile(dataDirectory), $"{self} {ProcessStartTime(self)}");
    }

    /// <summary>The pid of the live process that started the running server, or null when it is gone or unknown.</summary>
    private static int? StarterAlive(string dataDirectory)
    {
        try
        {
            var parts = File.ReadAllText(StarterFile(dataDirectory)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 2 && int.TryParse(parts[0], out var pid) && ProcessStartTime(pid) is { } started && started == parts[1]
                ? pid
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null when no such process runs.</summary>
    private static string? ProcessStartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 && fields[0] != "Z" ? fields[19] : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool PortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The last FATAL/ERROR message of the server log, which says why a start failed.</summary>
    private static string? LastServerError(string log)
    {
        try
        {
            string? last = null;
            foreach (var line in File.ReadLines(log))
            {
                var at = line.IndexOf("FATAL:", StringComparison.Ordinal);
                at = at >= 0 ? at : line.IndexOf("ERROR:", StringComparison.Ordinal);
                if (at >= 0)
                {
                    last = line[(at + 6)..].Trim();
                }
            }

            return last;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>initdb's own "error:" line rather than our whole command line.</summary>
    private static string InitDbReason(string message) =>
        message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("error:", StringComparison.OrdinalIgnoreCase) && !l.StartsWith("initdb -D", StringComparison.Ordinal))
        ?? FirstLine(message);

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? text;

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? text;

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

            CheckServerUserCanReach(root);
            await RunAsync(binDir, "initdb", ct,
                "-D", clusterDir, "-U", SuperUser, "--pwfile", pwFile,
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8");
        }
        catch (InvalidOperationException ex)
        {
            throw new EmbeddedDatabaseException($"initdb could not create the embedded PostgreSQL cluster in {clusterDir}: {InitDbReason(ex.Message)}", ex);
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

/// <summary>A problem with the embedded cluster that the user can fix; the message is one line saying how.</summary>
public class EmbeddedDatabaseException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class PostgresNotFoundException() : EmbeddedDatabaseException(
    "No database is configured and no PostgreSQL server binaries (initdb, pg_ctl) were found in PATH, " +
    "/usr/lib/postgresql/*/bin or `pg_config --bindir`. Either set DATABASE_URL " +
    "(postgresql://user:pass@host:5432/deployguard) or ConnectionStrings__DeployGuard to an existing server, " +
    "or run `docker compose up` to start DeployGuard with its own PostgreSQL, or install PostgreSQL " +
    "(apt-get install postgresql).");
