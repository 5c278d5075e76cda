using DeployGuard.Scanning.Suppressions;

namespace DeployGuard.Scanning;

/// <summary>What to scan and what to suppress. Defaults suit a CI run over a typical repository.</summary>
public sealed record ScanOptions
{
    /// <summary>Folders of third-party or generated code that are never scanned (matched by name at any depth).</summary>
    public static IReadOnlyCollection<string> DefaultExcludedDirectories { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ".git", "node_modules", "vendor", "bower_components", "jspm_packages", "third_party", "third-party",
        ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", "Pods", "Carthage", ".gradle",
        ".terraform", ".idea", ".vs",
    };

    /// <summary>Extensions of files that are binary by construction; skipped without reading them.</summary>
    public static IReadOnlyCollection<string> DefaultBinaryExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd", ".pdf", ".zip", ".gz", ".tgz",
        ".bz2", ".xz", ".7z", ".rar", ".jar", ".war", ".ear", ".class", ".dll", ".exe", ".so", ".dylib", ".o", ".a",
        ".lib", ".pdb", ".woff", ".woff2", ".ttf", ".eot", ".otf", ".mp3", ".mp4", ".mov", ".avi", ".wav", ".flac",
        ".ogg", ".webm", ".sqlite", ".db", ".bin", ".iso", ".dmg", ".pyc", ".pyo", ".nupkg", ".snupkg", ".whl",
    };

    /// <summary>Files (and git blobs) larger than this are skipped: minified bundles and data dumps.</summary>
    public long MaxFileSizeBytes { get; init; } = 5 * 1024 * 1024;

    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    public IReadOnlyCollection<string> ExcludedDirectories { get; init; } = DefaultExcludedDirectories;

    public IReadOnlyCollection<string> BinaryExtensions { get; init; } = DefaultBinaryExtensions;

    /// <summary>Accepted findings; matching findings are reported as suppressed with kind Baseline.</summary>
    public Baseline? Baseline { get; init; }

    /// <summary>Learned false-positive value patterns (from the server's triage feedback).</summary>
    public IReadOnlyList<FalsePositivePattern> FalsePositivePatterns { get; init; } = [];

    /// <summary>Patterns below this confidence are ignored.</summary>
    public double FalsePositiveMinConfidence { get; init; } = 0.8;
}
