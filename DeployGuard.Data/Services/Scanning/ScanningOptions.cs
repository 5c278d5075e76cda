using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>
/// Section <c>Scanning</c>: how a scan runs and who may scan what. How many scans and cleanings run at once is the job
/// queue's (<c>Jobs:Kinds:Scan:Concurrency</c>, <c>Jobs:Kinds:Clean:Concurrency</c>).
/// </summary>
public sealed class ScanningOptions
{
    public const string Section = "Scanning";

    /// <summary>Threads one scan uses to read files and blobs; default: one per processor.</summary>
    [Range(1, 256)]
    public int? Parallelism { get; set; }

    /// <summary>Where clones and cleaning bundles are made; default: deployguard-work in the temporary folder.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Whether engineers (not only admins) may scan a folder on the server.</summary>
    public bool AllowLocalRepositories { get; set; }

    /// <summary>A learned false-positive pattern suppresses findings from this confidence on (0.8: three unanimous verdicts).</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double FalsePositiveConfidence { get; set; } = 0.8;

    public int ResolveParallelism() => Parallelism ?? Environment.ProcessorCount;

    public string ResolveWorkDirectory() =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(WorkDirectory) ? Path.Combine(Path.GetTempPath(), "deployguard-work") : WorkDirectory);
}
