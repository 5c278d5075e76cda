using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>Section <c>Scanning</c>: the scan worker and who may scan what.</summary>
public sealed class ScanningOptions
{
    public const string Section = "Scanning";

    /// <summary>Scan and clean jobs run at once on this instance; 0 runs none here (another instance does).</summary>
    [Range(0, 16)]
    public int Workers { get; set; } = 1;

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
