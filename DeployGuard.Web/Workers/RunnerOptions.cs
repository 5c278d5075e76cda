using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Web.Workers;

/// <summary>
/// How the pipeline runner executes stages (section <c>Deployments:Runner</c>). How many run at once, heartbeats and the
/// stale period are the job queue's settings (<c>Jobs</c>, <c>Jobs:Kinds:DeploymentStage</c>).
/// </summary>
public sealed class RunnerOptions
{
    public const string Section = "Deployments:Runner";

    /// <summary>Parent folder of each deployment's default working directory.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Variables of the app's own environment that commands inherit (the rest, e.g. connection strings, is withheld).</summary>
    public List<string> PassEnvironment { get; set; } = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SHELL", "TERM"];

    /// <summary>Lines per database write and the longest a line waits before it is written.</summary>
    [Range(1, 100_000)]
    public int LogBatchSize { get; set; } = 2000;

    [Range(1, 10_000)]
    public int LogFlushMilliseconds { get; set; } = 100;

    public string ResolveWorkDirectory() => WorkDirectory is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "deployguard-runs");
}
