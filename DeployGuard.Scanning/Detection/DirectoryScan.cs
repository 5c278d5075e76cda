using System.IO.Enumeration;
using System.Threading.Channels;

namespace DeployGuard.Scanning.Detection;

/// <summary>Scans the files of a folder tree in parallel; the tree is listed first so progress has a total.</summary>
internal sealed class DirectoryScan(Detector detector, PathFilter filter, ScanOptions options, ProgressTracker tracker)
{
    public async Task RunAsync(string root, ChannelWriter<Finding> output, CancellationToken cancellationToken)
    {
        var files = List(root);
        tracker.SetFilesTotal(files.Count);
        await Parallel.ForEachAsync(
            files,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism), CancellationToken = cancellationToken },
            async (file, ct) =>
            {
                byte[] bytes;
                try
                {
                    bytes = await File.ReadAllBytesAsync(file.FullPath, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Deleted or unreadable since listing: not a reason to fail the whole scan.
                    tracker.FileDone(0);
                    return;
                }

                var text = TextDecoder.Decode(bytes);
                var candidates = text is null ? Detector.NoCandidates : detector.Detect(text);
                tracker.FileDone(bytes.Length);
                foreach (var candidate in candidates)
                {
                    if (detector.ToFinding(candidate, file.RelativePath, commit: null) is { } finding)
                    {
                        tracker.FindingFound();
                        await output.WriteAsync(finding, ct);
                    }
                }
            });
    }

    private List<(string FullPath, string RelativePath)> List(string root)
    {
        if (File.Exists(root))
        {
            var info = new FileInfo(root);
            return info.Length <= options.MaxFileSizeBytes ? [(info.FullName, info.Name)] : [];
        }

        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"'{root}' does not exist.");
        }

        var fullRoot = Path.GetFullPath(root);
        var enumeration = new FileSystemEnumerable<(string, string)>(
            fullRoot,
            (ref FileSystemEntry entry) =>
            {
                var full = entry.ToFullPath();
                return (full, Path.GetRelativePath(fullRoot, full).Replace('\\', '/'));
            },
            new EnumerationOptions
            {
                RecurseSubdirectories = true,
                IgnoreInaccessible = true,
                AttributesToSkip = FileAttributes.ReparsePoint,
                ReturnSpecialDirectories = false,
            })
        {
            ShouldRecursePredicate = (ref FileSystemEntry entry) => !filter.IsExcludedDirectoryName(entry.FileName.ToString()),
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && entry.Length <= options.MaxFileSizeBytes,
        };

        var files = enumeration.Where(f => filter.ShouldScan(f.Item2)).ToList();
        files.Sort((a, b) => string.CompareOrdinal(a.Item2, b.Item2));
        return files;
    }
}
