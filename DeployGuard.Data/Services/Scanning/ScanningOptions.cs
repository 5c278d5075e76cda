using System.ComponentModel.DataAnnotations;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Vulnerabilities;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>
/// Section <c>Scanning</c>: how a scan runs, who may scan what, scanner commands per scan type, report size. How many
/// scans and cleanings run at once is the job queue's (<c>Jobs:Kinds:Scan:Concurrency</c>, <c>Jobs:Kinds:Clean:Concurrency</c>).
/// </summary>
public sealed class ScanningOptions : IValidatableObject
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

    /// <summary>
    /// The scanner command per scan type (<c>Scanning:Scanners:container = "trivy image --format json --quiet {target}"</c>);
    /// a type without one cannot be triggered (upload its report instead). Keys are seed 02's scan types.
    /// </summary>
    public Dictionary<string, string> Scanners { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The largest scanner report an import reads (100 MB by default); larger ones are refused with a 413.</summary>
    [Range(1024L, 2L * 1024 * 1024 * 1024)]
    public long MaxReportBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>How long a scanner command may run before it is killed (30 minutes: a first run downloads its database).</summary>
    [Range(1, 24 * 3600)]
    public int ScannerTimeoutSeconds { get; set; } = 1800;

    /// <summary>The command configured for <paramref name="kind"/>, or null.</summary>
    public string? ScannerFor(ScanKind kind) =>
        Scanners.TryGetValue(ScanKinds.Name(kind), out var command) && !string.IsNullOrWhiteSpace(command) ? command.Trim() : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (type, command) in Scanners)
        {
            if (!ScanKinds.TryParse(type, out ScanKind _))
            {
                yield return new ValidationResult($"{Section}:Scanners:{type} is not a scan type (git_repo, container, vm, sbom, k8s).");
            }
            else if (!string.IsNullOrWhiteSpace(command) && !command.Contains("{target}", StringComparison.Ordinal))
            {
                yield return new ValidationResult($"{Section}:Scanners:{type} must contain {{target}} where the image, path or URL goes.");
            }
        }
    }

    public int ResolveParallelism() => Parallelism ?? Environment.ProcessorCount;

    public string ResolveWorkDirectory() =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(WorkDirectory) ? Path.Combine(Path.GetTempPath(), "deployguard-work") : WorkDirectory);
}
