using System.ComponentModel.DataAnnotations;
using DeployGuard.Web.Isolation;

namespace DeployGuard.Web.Workers;

/// <summary>
/// How the pipeline runner executes stages (section <c>Deployments:Runner</c>). How many run at once, heartbeats and the
/// stale period are the job queue's settings (<c>Jobs</c>, <c>Jobs:Kinds:DeploymentStage</c>).
/// </summary>
public sealed class RunnerOptions
{
    public const string Section = "Deployments:Runner";

    /// <summary>Parent folder of the stages' private work directories (one fresh directory per stage, removed afterwards).</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>
    /// How commands are kept away from the app (docs/security.md): <c>Auto</c> (default) picks the strongest that works
    /// (as root: the <see cref="RunnerUser"/> inside bubblewrap, or that user alone; otherwise bubblewrap), <c>RunnerUser</c>,
    /// <c>Bubblewrap</c>, or <c>None</c> (development only: commands run as the app, with everything it can read).
    /// </summary>
    public IsolationMode Isolation { get; set; } = IsolationMode.Auto;

    /// <summary>The unprivileged OS user commands run as when the app runs as root.</summary>
    public string RunnerUser { get; set; } = "deployguard-runner";

    /// <summary>Extra folders a sandboxed command may read (tool chains outside /usr, e.g. /opt/sdk); never the app's data.</summary>
    public List<string> ReadOnlyPaths { get; set; } = [];

    /// <summary>Absolute folders a stage may name as its <c>cwd</c> (read-write for it); anything else is refused.</summary>
    public List<string> AllowedWorkDirectories { get; set; } = [];

    /// <summary>Secret values by name; a stage gets only those its pipeline lists under <c>secrets:</c>, masked in its log.</summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Variables of the app's own environment that commands inherit (the rest, e.g. connection strings, is withheld).
    /// HOME, TMPDIR, USER and LOGNAME are always the stage's own (its work directory, the user it runs as).
    /// </summary>
    public List<string> PassEnvironment { get; set; } = ["PATH", "LANG", "LC_ALL", "TZ", "SHELL", "TERM"];

    /// <summary>Lines per database write and the longest a line waits before it is written.</summary>
    [Range(1, 100_000)]
    public int LogBatchSize { get; set; } = 2000;

    [Range(1, 10_000)]
    public int LogFlushMilliseconds { get; set; } = 100;

    /// <summary>The configured folder, or <c>/tmp/deployguard-runs</c> (<c>-UID</c> for users other than root, so instances
    /// under different users on one machine never share it).</summary>
    public string ResolveWorkDirectory() => WorkDirectory is { Length: > 0 } dir
        ? dir
        : Path.Combine(Path.GetTempPath(), Environment.UserName == "root" ? "deployguard-runs" : $"deployguard-runs-{Environment.UserName}");
}
