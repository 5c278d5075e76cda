using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using DeployGuard.Web.Workers;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Isolation;

/// <summary>What one isolated command is: its argv, its environment (nothing of the app's beyond what is passed here) and where it works.</summary>
internal sealed record IsolatedCommand
{
    /// <summary>Program and arguments, e.g. <c>["bash", "-c", script]</c>.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>The command's variables (the sandbox adds PATH-like pass-through, HOME, TMPDIR, USER, LOGNAME).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Where it runs: null for its fresh private work directory, a relative path for a folder inside it, or an absolute
    /// path under Deployments:Runner:AllowedWorkDirectories.
    /// </summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Folders it may read besides the system's (e.g. a repository to scan); never inside a protected path.</summary>
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];
}

/// <summary>How this instance isolates commands, decided once by probing the machine.</summary>
internal sealed record IsolationPlan(EffectiveIsolation Mode, string Description, string? Refusal)
{
    public bool CanRun => Refusal is null;

    /// <summary>Something commands can see that they had better not (configuration files), for the log and the admin banner.</summary>
    public string? Warning { get; init; }

    public int? RunnerUid { get; init; }
    public int? RunnerGid { get; init; }
    public string? Bubblewrap { get; init; }
}

internal enum EffectiveIsolation
{
    Refused,
    None,
    RunnerUser,
    Bubblewrap,
    RunnerUserInBubblewrap,
}

/// <summary>A command stage (or a scanner command) was not started because no isolation is available here.</summary>
internal sealed class IsolationRefusedException(string message) : Exception(message);

/// <summary>
/// Starts commands so that they never run with the app's OS identity or see its secrets (docs/security.md, "Stage isolation"):
/// as root, as the unprivileged runner user (inside bubblewrap when that works); otherwise inside bubblewrap, with only the
/// system folders readable, its own fresh work directory writable, and the app's data folder, keys, configuration and the
/// embedded cluster's files not there at all. Every command gets a fresh 0700 work directory, removed when it ends.
/// When neither is possible it refuses (never silently runs unisolated); <c>Isolation=None</c> is for development.
/// The plan is probed once and self-tested: a sandboxed probe must fail to read every protected path.
/// Reusable by anything that runs third-party commands (pipeline stages; scanner commands).
/// </summary>
internal sealed class CommandIsolation
{
    private static readonly string[] SystemFolders = ["/usr", "/etc", "/opt", "/srv"];
    private static readonly string[] SystemLinks = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    private readonly IOptions<RunnerOptions> _options;
    private readonly IEnumerable<ProtectedPathSource> _protected;
    private readonly ILogger<CommandIsolation> _logger;
    private readonly Lazy<Task<IsolationPlan>> _plan;

    public CommandIsolation(IOptions<RunnerOptions> options, IEnumerable<ProtectedPathSource> protectedPaths, ILogger<CommandIsolation> logger)
    {
        _options = options;
        _protected = protectedPaths;
        _logger = logger;
        _plan = new Lazy<Task<IsolationPlan>>(() => Task.Run(ProbeAsync));
    }

    /// <summary>The plan, probing on first use (a few short processes).</summary>
    public Task<IsolationPlan> PlanAsync() => _plan.Value;

    /// <summary>The plan if already probed, for pages and health output that must not wait.</summary>
    public IsolationPlan? KnownPlan => _plan.IsValueCreated && _plan.Value.IsCompletedSuccessfully ? _plan.Value.Result : null;

    public IReadOnlyList<ProtectedPath> ProtectedPaths() =>
        _protected.SelectMany(p => p.Resolve()).DistinctBy(p => p.Path).ToList();

    /// <summary>Starts <paramref name="command"/> isolated; throws <see cref="IsolationRefusedException"/> when isolation is refused here.</summary>
    public async Task<IsolatedProcess> StartAsync(IsolatedCommand command)
    {
        var plan = await PlanAsync();
        if (!plan.CanRun)
        {
            throw new IsolationRefusedException($"Command stages are refused on this runner: {plan.Refusal}");
        }

        return StartWith(plan, command);
    }

    /// <summary>
    /// A fresh private folder (0700; the runner user's when commands run as it) under the commands' work root, for input the
    /// app prepares and a command then reads through <see cref="IsolatedCommand.ReadOnlyPaths"/> (a checkout to scan).
    /// Call <see cref="HandOverAsync"/> once it is filled; delete it with <see cref="IsolatedProcess.DeleteTree"/>.
    /// </summary>
    public async Task<string> CreateInputDirectoryAsync()
    {
        var plan = await PlanAsync();
        if (!plan.CanRun)
        {
            throw new IsolationRefusedException($"Commands are refused on this runner: {plan.Refusal}");
        }

        var directory = Path.Combine(WorkRoot(plan), $"input-{System.Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        CreateOwnedDirectory(directory, plan);
        return directory;
    }

    /// <summary>Gives what the app wrote into an input folder to the runner user (when commands run as it), so they can read it.</summary>
    public async Task HandOverAsync(string directory)
    {
        var plan = await PlanAsync();
        if (plan.RunnerUid is not { } uid || OperatingSystem.IsWindows())
        {
            return;
        }

        var gid = plan.RunnerGid ?? uid;
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*",
                     new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false }).Prepend(new DirectoryInfo(directory)))
        {
            // Links are skipped (their mode means nothing), and lchown never follows one.
            if (LChown(entry.FullName, uid, gid) != 0)
            {
                throw new IOException($"Could not give {entry.FullName} to the runner user (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
    }

    private IsolatedProcess StartWith(IsolationPlan plan, IsolatedCommand command)
    {
        var settings = _options.Value;
        var protectedPaths = ProtectedPaths();
        var workRoot = WorkRoot(plan);
        var workDirectory = Path.Combine(workRoot, $"{System.Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        CreateOwnedDirectory(workDirectory, plan);
        var temp = Path.Combine(workDirectory, ".tmp");
        CreateOwnedDirectory(temp, plan);
        try
        {
            var cwd = ResolveWorkingDirectory(command.WorkingDirectory, workDirectory, settings, protectedPaths, plan);
            var readOnly = settings.ReadOnlyPaths.Concat(command.ReadOnlyPaths).Select(Path.GetFullPath).Distinct().ToList();
            foreach (var path in readOnly)
            {
                if (Overlapping(path, protectedPaths) is { } clash)
                {
                    throw new IsolationRefusedException($"'{path}' cannot be shown to a command: it overlaps {clash.What} ({clash.Path}).");
                }
            }

            var info = new ProcessStartInfo("setsid")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = plan.Mode == EffectiveIsolation.None || plan.Mode == EffectiveIsolation.RunnerUser ? cwd : workRoot,
            };
            foreach (var argument in Prefix(plan, workRoot, workDirectory, cwd, readOnly, protectedPaths).Concat(command.Arguments))
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment.Clear();
            foreach (var name in settings.PassEnvironment)
            {
                if (System.Environment.GetEnvironmentVariable(name) is { } value)
                {
                    info.Environment[name] = value;
                }
            }

            var user = plan.RunnerUid is null ? System.Environment.UserName : settings.RunnerUser;
            info.Environment["HOME"] = workDirectory;
            info.Environment["TMPDIR"] = temp;
            info.Environment["USER"] = user;
            info.Environment["LOGNAME"] = user;
            foreach (var (name, value) in command.Environment)
            {
                info.Environment[name] = value;
            }

            var process = new Process { StartInfo = info };
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                process.Dispose();
                throw new IsolationRefusedException($"The command could not start: {ex.Message}");
            }

            return new IsolatedProcess(process, workDirectory, cwd, plan, _logger);
        }
        catch
        {
            IsolatedProcess.DeleteTree(workDirectory, _logger);
            throw;
        }
    }

    /// <summary>setsid (a process group to kill as one), then setpriv to the runner user, then bubblewrap, as the plan says.</summary>
    private static IEnumerable<string> Prefix(IsolationPlan plan, string workRoot, string workDirectory, string cwd, IReadOnlyList<string> readOnly,
        IReadOnlyList<ProtectedPath> protectedPaths)
    {
        if (plan.RunnerUid is { } uid)
        {
            yield return "setpriv";
            yield return $"--reuid={uid}";
            yield return $"--regid={plan.RunnerGid}";
            yield return "--clear-groups";
            yield return "--no-new-privs";
            yield return "--inh-caps=-all";
            yield return "--bounding-set=-all";
            yield return "--";
        }

        if (plan.Bubblewrap is not { } bwrap)
        {
            yield break;
        }

        yield return bwrap;
        foreach (var folder in SystemFolders.Where(Directory.Exists))
        {
            yield return "--ro-bind";
            yield return folder;
            yield return folder;
        }

        foreach (var link in SystemLinks)
        {
            var info = new FileInfo(link);
            if (info.LinkTarget is { } target)
            {
                yield return "--symlink";
                yield return target;
                yield return link;
            }
            else if (Directory.Exists(link))
            {
                yield return "--ro-bind";
                yield return link;
                yield return link;
            }
        }

        // DNS on systemd hosts (/etc/resolv.conf points there); nothing else of /run.
        foreach (var arg in (string[])["--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve", "--proc", "/proc", "--dev", "/dev",
                     "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"])
        {
            yield return arg;
        }

        // What the system folders might hold of ours (an app installed under /opt, configuration under /etc): hidden,
        // and the other commands' work directories with them.
        foreach (var path in protectedPaths.Select(p => p.Path).Append(workRoot))
        {
            if (!SystemFolders.Concat(SystemLinks).Any(folder => Inside(path, folder)) || path == "/")
            {
                continue;
            }

            if (Directory.Exists(path))
            {
                yield return "--tmpfs";
                yield return path;
            }
            else if (File.Exists(path))
            {
                yield return "--ro-bind";
                yield return "/dev/null";
                yield return path;
            }
        }

        foreach (var path in readOnly.Where(Directory.Exists))
        {
            yield return "--ro-bind";
            yield return path;
            yield return path;
        }

        yield return "--bind";
        yield return workDirectory;
        yield return workDirectory;
        if (!Inside(cwd, workDirectory))
        {
            yield return "--bind";
            yield return cwd;
            yield return cwd;
        }

        foreach (var arg in (string[])["--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                     "--die-with-parent", "--cap-drop", "ALL", "--chdir", cwd, "--"])
        {
            yield return arg;
        }
    }

    private static string ResolveWorkingDirectory(string? requested, string workDirectory, RunnerOptions settings, IReadOnlyList<ProtectedPath> protectedPaths,
        IsolationPlan plan)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return workDirectory;
        }

        if (!Path.IsPathRooted(requested))
        {
            var inside = Path.GetFullPath(Path.Combine(workDirectory, requested));
            if (!Inside(inside, workDirectory))
            {
                throw new IsolationRefusedException($"The working directory '{requested}' leaves the stage's work directory.");
            }

            CreateOwnedDirectory(inside, plan, parents: workDirectory);
            return inside;
        }

        var absolute = Path.GetFullPath(requested);
        if (!settings.AllowedWorkDirectories.Any(allowed => Inside(absolute, Path.GetFullPath(allowed))))
        {
            throw new IsolationRefusedException(
                $"The working directory '{requested}' is not allowed: stages work in their own directory (use a relative cwd), " +
                "or in a folder an admin listed under Deployments:Runner:AllowedWorkDirectories.");
        }

        if (Overlapping(absolute, protectedPaths) is { } clash)
        {
            throw new IsolationRefusedException($"The working directory '{requested}' overlaps {clash.What}.");
        }

        if (!Directory.Exists(absolute))
        {
            throw new IsolationRefusedException($"The working directory '{requested}' does not exist.");
        }

        return absolute;
    }

    private string WorkRoot(IsolationPlan plan)
    {
        var root = Path.GetFullPath(_options.Value.ResolveWorkDirectory());
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root);
        }

        if (!OperatingSystem.IsWindows())
        {
            try
            {
                // The runner user may enter its own directory but not list the others'.
                File.SetUnixFileMode(root, plan.RunnerUid is null
                    ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
            catch (UnauthorizedAccessException)
            {
                throw new IsolationRefusedException(
                    $"The work folder {root} belongs to another user: set Deployments:Runner:WorkDirectory to a folder of DeployGuard's own.");
            }
        }

        return root;
    }

    private static void CreateOwnedDirectory(string path, IsolationPlan plan, string? parents = null)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        var missing = new Stack<string>();
        for (var dir = path; !Directory.Exists(dir) && (parents is null || Inside(dir, parents)); dir = Path.GetDirectoryName(dir)!)
        {
            missing.Push(dir);
        }

        foreach (var dir in missing.Count > 0 ? missing : new Stack<string>([path]))
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (plan.RunnerUid is { } uid && Chown(dir, uid, plan.RunnerGid ?? uid) != 0)
            {
                throw new IOException($"Could not give {dir} to the runner user (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
    }

    // ---- probing ----

    private async Task<IsolationPlan> ProbeAsync()
    {
        var settings = _options.Value;
        var root = IsRoot();
        var plan = await ChooseAsync(settings, root);
        if (plan.CanRun && plan.Mode != EffectiveIsolation.None)
        {
            plan = await SelfTestAsync(plan);
        }

        if (!plan.CanRun)
        {
            _logger.LogError("Command stages are refused: {Reason}", plan.Refusal);
        }
        else if (plan.Mode == EffectiveIsolation.None)
        {
            _logger.LogWarning("Command isolation is OFF (Deployments:Runner:Isolation=None): stage commands run as the app's own OS user and can " +
                               "read its data folder, keys and database credentials. Use this for development only");
        }
        else
        {
            _logger.LogInformation("Commands are isolated: {Description}", plan.Description);
        }

        SweepLeftovers(plan);
        return plan;
    }

    private async Task<IsolationPlan> ChooseAsync(RunnerOptions settings, bool root)
    {
        var mode = settings.Isolation;
        if (mode == IsolationMode.None)
        {
            return new IsolationPlan(EffectiveIsolation.None, "none (development only)", null);
        }

        (int Uid, int Gid)? runner = null;
        if (root)
        {
            runner = await LookUpUserAsync(settings.RunnerUser);
            if (runner is null)
            {
                return Refused($"DeployGuard runs as root and the unprivileged user '{settings.RunnerUser}' that commands run as does not exist: " +
                               $"create it (useradd --system --no-create-home --shell /usr/sbin/nologin {settings.RunnerUser}; scripts/run.sh does) " +
                               "or set Deployments:Runner:RunnerUser.");
            }

            if (runner.Value.Uid == 0)
            {
                return Refused($"The runner user '{settings.RunnerUser}' has uid 0: commands would run as root.");
            }
        }
        else if (mode == IsolationMode.RunnerUser)
        {
            return Refused("Deployments:Runner:Isolation=RunnerUser needs DeployGuard to run as root (to switch to the runner user); " +
                           "use Bubblewrap (or Auto) when it runs as an ordinary user.");
        }

        string? bwrap = null;
        string? bwrapProblem = null;
        if (mode != IsolationMode.RunnerUser)
        {
            (bwrap, bwrapProblem) = await ProbeBubblewrapAsync(runner);
        }

        if (runner is { } user)
        {
            if (bwrap is not null)
            {
                return new IsolationPlan(EffectiveIsolation.RunnerUserInBubblewrap,
                    $"as user '{settings.RunnerUser}' (uid {user.Uid}) inside bubblewrap", null) { RunnerUid = user.Uid, RunnerGid = user.Gid, Bubblewrap = bwrap };
            }

            if (mode == IsolationMode.Bubblewrap)
            {
                return Refused($"Deployments:Runner:Isolation=Bubblewrap but bubblewrap does not work here: {bwrapProblem}");
            }

            return new IsolationPlan(EffectiveIsolation.RunnerUser,
                $"as user '{settings.RunnerUser}' (uid {user.Uid}); bubblewrap not used: {bwrapProblem}", null) { RunnerUid = user.Uid, RunnerGid = user.Gid };
        }

        return bwrap is not null
            ? new IsolationPlan(EffectiveIsolation.Bubblewrap, "inside bubblewrap (no access to the app's data, keys or configuration)", null) { Bubblewrap = bwrap }
            : Refused($"DeployGuard does not run as root and bubblewrap does not work here ({bwrapProblem}): install bubblewrap " +
                      "(apt-get install bubblewrap; scripts/run.sh does), or run as root with the runner user. " +
                      "Deployments:Runner:Isolation=None runs commands unisolated (development only).");
    }

    private static IsolationPlan Refused(string reason) => new(EffectiveIsolation.Refused, "refused", reason);

    private static async Task<(string? Path, string? Problem)> ProbeBubblewrapAsync((int Uid, int Gid)? runner)
    {
        var bwrap = FindOnPath("bwrap");
        if (bwrap is null)
        {
            return (null, "bwrap is not installed");
        }

        var argv = new List<string>();
        if (runner is { } user)
        {
            argv.AddRange(["setpriv", $"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--no-new-privs", "--"]);
        }

        argv.AddRange([bwrap, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--unshare-user", "--disable-userns", "--unshare-pid",
            "--die-with-parent", "--cap-drop", "ALL", "true"]);
        var (exit, output) = await RunAsync(argv);
        return exit == 0 ? (bwrap, null) : (null, $"a test sandbox failed: {output.Trim()}");
    }

    /// <summary>
    /// Runs a probe exactly as a stage would run and asks it to read every protected path: a plan under which anything of
    /// the app is readable is refused instead of used.
    /// </summary>
    private async Task<IsolationPlan> SelfTestAsync(IsolationPlan plan)
    {
        // The files of each protected folder (a sample) and the protected files: none may be readable from inside.
        var paths = ProtectedPaths().SelectMany(p => Directory.Exists(p.Path)
                ? SampleFiles(p.Path).Select(file => p with { Path = file })
                : File.Exists(p.Path) ? [p] : [])
            .DistinctBy(p => p.Path).ToList();
        const string script = """
            for p in "$@"; do [ -r "$p" ] && echo "$p"; done; exit 0
            """;
        try
        {
            // The candidate plan is not published yet: start the probe with it directly.
            await using var probe = StartWith(plan, new IsolatedCommand
            {
                Arguments = ["sh", "-c", script, "probe", .. paths.Select(p => p.Path)],
            });
            probe.Process.StandardInput.Close();
            var output = await probe.Process.StandardOutput.ReadToEndAsync();
            var error = await probe.Process.StandardError.ReadToEndAsync();
            await probe.Process.WaitForExitAsync();
            if (probe.Process.ExitCode != 0)
            {
                return Refused($"A test command under isolation ({plan.Description}) failed with exit code {probe.Process.ExitCode}: {error.Trim()}");
            }

            var readable = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            if (paths.FirstOrDefault(p => p.Secret && readable.Contains(p.Path)) is { } leak)
            {
                return Refused($"Under isolation ({plan.Description}) a command could still read {leak.What} ({leak.Path}): make it private " +
                               "to DeployGuard's OS user (chmod 700/600) or move it out of the folders commands see.");
            }

            var visible = paths.Where(p => readable.Contains(p.Path)).Select(p => p.Path).ToList();
            if (visible.Count > 0)
            {
                _logger.LogWarning("Isolated commands ({Isolation}) can read {Files}: keep secrets out of these files (environment variables or " +
                                   "a file only DeployGuard's OS user can read), or use bubblewrap", plan.Description, string.Join(", ", visible));
                plan = plan with { Warning = $"Stage commands can read {string.Join(", ", visible)}." };
            }
        }
        catch (Exception ex) when (ex is IOException or System.ComponentModel.Win32Exception or IsolationRefusedException)
        {
            return Refused($"A test command under isolation ({plan.Description}) could not run: {ex.Message}");
        }

        return plan;
    }

    private static IEnumerable<string> SampleFiles(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        try
        {
            return Directory.EnumerateFiles(folder, "*", options).Take(50).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private void SweepLeftovers(IsolationPlan plan)
    {
        // Work directories of a process that died without cleaning up (killed mid-stage) would stay forever.
        try
        {
            var root = Path.GetFullPath(_options.Value.ResolveWorkDirectory());
            if (!Directory.Exists(root))
            {
                return;
            }

            foreach (var dir in Directory.EnumerateDirectories(root))
            {
                var name = Path.GetFileName(dir);
                var dash = name.IndexOf('-');
                if (dash > 0 && int.TryParse(name[..dash], out var pid) && pid != System.Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                {
                    IsolatedProcess.DeleteTree(dir, _logger);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not sweep old command work directories ({Plan})", plan.Mode);
        }
    }

    private static async Task<(int Uid, int Gid)?> LookUpUserAsync(string name)
    {
        var (uidExit, uid) = await RunAsync(["id", "-u", name]);
        var (gidExit, gid) = await RunAsync(["id", "-g", name]);
        return uidExit == 0 && gidExit == 0 && int.TryParse(uid.Trim(), out var u) && int.TryParse(gid.Trim(), out var g) ? (u, g) : null;
    }

    private static async Task<(int Exit, string Output)> RunAsync(IReadOnlyList<string> argv)
    {
        try
        {
            var info = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in argv.Skip(1))
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (process.ExitCode, await stdout + await stderr);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return (-1, ex.Message);
        }
    }

    private static string? FindOnPath(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    internal static bool Inside(string path, string folder)
    {
        var p = Path.TrimEndingDirectorySeparator(path);
        var f = Path.TrimEndingDirectorySeparator(folder);
        return p == f || p.StartsWith(f + "/", StringComparison.Ordinal) || f == "";
    }

    private static ProtectedPath? Overlapping(string path, IReadOnlyList<ProtectedPath> protectedPaths) =>
        protectedPaths.FirstOrDefault(p => Inside(path, p.Path) || Inside(p.Path, path));

    private static bool IsRoot() => !OperatingSystem.IsWindows() && geteuid() == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true, EntryPoint = "chown")]
    private static extern int Chown(string path, int owner, int group);

    [DllImport("libc", SetLastError = true, EntryPoint = "lchown")]
    private static extern int LChown(string path, int owner, int group);
}
