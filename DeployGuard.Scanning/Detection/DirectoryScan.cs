using System.Buffers;
using System.IO.Enumeration;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace DeployGuard.Scanning.Detection;

/// <summary>
/// Scans the files of a folder tree on every core; the tree is listed first so progress has a total. Files go to
/// the cores largest first (each core takes the next when it is free), so the work splits by size, not count, and
/// no large file is left for the end. Findings go to one channel, read by one writer.
/// </summary>
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
                var (candidates, bytes) = ScanFile(file.FullPath);
                tracker.FileDone(bytes);
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

    /// <summary>
    /// Reads a file with positional reads into a pooled buffer (no FileStream, no per-file array): the first block
    /// alone when it shows a binary file, else the whole file.
    /// </summary>
    private (IReadOnlyList<Candidate> Candidates, long Bytes) ScanFile(string path)
    {
        byte[]? buffer = null;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            if (length == 0 || length > options.MaxFileSizeBytes)
            {
                return (Detector.NoCandidates, 0);
            }

            buffer = ArrayPool<byte>.Shared.Rent((int)length);
            var read = ReadAtMost(handle, buffer.AsSpan(0, (int)Math.Min(length, ContentSniffer.BlockSize)), 0);
            if (ContentSniffer.IsBinary(buffer.AsSpan(0, read)))
            {
                return (Detector.NoCandidates, read);
            }

            if (read < length)
            {
                read += ReadAtMost(handle, buffer.AsSpan(read, (int)length - read), read);
            }

            return (ContentScanner.Scan(detector, buffer.AsSpan(0, read)), read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Deleted or unreadable since listing: not a reason to fail the whole scan.
            return (Detector.NoCandidates, 0);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static int ReadAtMost(SafeFileHandle handle, Span<byte> target, long offset)
    {
        var total = 0;
        while (total < target.Length)
        {
            var read = RandomAccess.Read(handle, target[total..], offset + total);
            if (read == 0)
            {
                break; // Truncated since listing: scan what is there.
            }

            total += read;
        }

        return total;
    }

    private List<(string FullPath, string RelativePath, long Length)> List(string root)
    {
        if (File.Exists(root))
        {
            var info = new FileInfo(root);
            return info.Length <= options.MaxFileSizeBytes ? [(info.FullName, info.Name, info.Length)] : [];
        }

        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"'{root}' does not exist.");
        }

        var fullRoot = Path.GetFullPath(root);
        var enumeration = new FileSystemEnumerable<(string, string, long)>(
            fullRoot,
            (ref FileSystemEntry entry) =>
            {
                var full = entry.ToFullPath();
                return (full, Path.GetRelativePath(fullRoot, full).Replace('\\', '/'), entry.Length);
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
        // Largest first, then by path so that runs are repeatable.
        files.Sort((a, b) => b.Item3 != a.Item3 ? b.Item3.CompareTo(a.Item3) : string.CompareOrdinal(a.Item2, b.Item2));
        return files;
    }
}
