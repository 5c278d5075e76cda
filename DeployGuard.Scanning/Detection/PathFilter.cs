namespace DeployGuard.Scanning.Detection;

/// <summary>Which paths are never read: vendored folders, binary extensions, globally allowlisted paths.</summary>
internal sealed class PathFilter(ScanOptions options, CompiledConfiguration config)
{
    private readonly HashSet<string> _excludedDirectories = new(options.ExcludedDirectories, StringComparer.Ordinal);
    private readonly HashSet<string> _binaryExtensions = new(options.BinaryExtensions, StringComparer.OrdinalIgnoreCase);

    public bool IsExcludedDirectoryName(string name) => _excludedDirectories.Contains(name);

    /// <summary>True when a repository-relative path (forward slashes) should be scanned.</summary>
    public bool ShouldScan(string relativePath)
    {
        if (_binaryExtensions.Contains(Path.GetExtension(relativePath)))
        {
            return false;
        }

        var segments = relativePath.AsSpan();
        foreach (var range in segments.Split('/'))
        {
            // The last segment is the file name; only folders are excluded by name.
            if (range.End.GetOffset(segments.Length) < segments.Length
                && _excludedDirectories.Contains(segments[range].ToString()))
            {
                return false;
            }
        }

        return !config.Global.AllowsPath(relativePath);
    }
}
