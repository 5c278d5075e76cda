namespace DeployGuard.Web.Workers;

/// <summary>Settings of the pipeline runner (section Deployments:Runner).</summary>
public sealed class RunnerOptions
{
    public const string Section = "Deployments:Runner";

    /// <summary>Whether this instance runs stages. Instances that only serve pages can set false.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Stages this instance executes at once.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>How often to look for work when no event announced any (events wake the runner at once).</summary>
    public int PollIntervalMilliseconds { get; set; } = 1000;

    public int HeartbeatSeconds { get; set; } = 2;

    /// <summary>A running stage whose heartbeat is older than this is taken as abandoned and failed.</summary>
    public int StaleAfterSeconds { get; set; } = 30;

    /// <summary>Parent folder of each deployment's default working directory.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Variables of the app's own environment that commands inherit (the rest, e.g. connection strings, is withheld).</summary>
    public List<string> PassEnvironment { get; set; } = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SHELL", "TERM"];

    /// <summary>Lines per database write and the longest a line waits before it is written.</summary>
    public int LogBatchSize { get; set; } = 2000;

    public int LogFlushMilliseconds { get; set; } = 100;

    public string ResolveWorkDirectory() => WorkDirectory is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "deployguard-runs");
}
