namespace DeployGuard.Scanning.Detection;

/// <summary>Which paths are never read: vendored folders, binary extensions, globally allowlisted paths.</summary>
internal sealed class PathFilter(ScanOptions options, CompiledConfiguration config)
{
    // Looked up by span: no string per path segment (every folder of every path of a listing).
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _excludedDirectories =
        new HashSet<string>(options.ExcludedDirectories, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _binaryExtensions =
        new HashSet<string>(options.BinaryExtensions, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();

    public bool IsExcludedDirectoryName(ReadOnlySpan<char> name) => _excludedDirectories.Contains(name);

    /// <summary>True when a repository-relative path (forward slashes) should be scanned.</summary>
    public bool ShouldScan(string relativePath)
    {
        if (_binaryExtensions.Contains(Path.GetExtension(relativePath.AsSpan())))
        {
            return false;
        }

        var segments = relativePath.AsSpan();
        foreach (var range in segments.Split('/'))
        {
            // The last segment is the file name; only folders are excluded by name.
            if (range.End.GetOffset(segments.Length) < segments.Length && _excludedDirectories.Contains(segments[range]))
            {
                return false;
            }
        }

        return !config.Global.AllowsPath(relativePath);
    }
}
