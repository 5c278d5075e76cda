using System.Globalization;
using System.Text;
using DeployGuard.Scanning.Git;

namespace DeployGuard.Scanning.Cleaning;

/// <summary>What to remove from which repository, and where to put the cleaned copy.</summary>
/// <param name="RepositoryPath">A work tree or bare repository; a <c>git clone --mirror</c> keeps every branch as a branch.</param>
/// <param name="SecretHashes">Hashes (from findings) of the values to remove: SHA-256, or what <see cref="StoredHash"/> makes of it.</param>
/// <param name="OutputDirectory">Receives <c>&lt;name&gt;-cleaned.git</c> and <c>&lt;name&gt;-cleaned.bundle</c>; neither may exist yet.</param>
public sealed record CleaningRequest(string RepositoryPath, IReadOnlyCollection<string> SecretHashes, string OutputDirectory)
{
    public const string DefaultReplacement = "***REMOVED***";

    public string Replacement { get; init; } = DefaultReplacement;

    /// <summary>How the caller stores hashes (the server keys them), applied to each value's SHA-256 before comparing; null: as is.</summary>
    public Func<string, string>? StoredHash { get; init; }
}

public enum CleaningPhase
{
    FindingValues,
    Rewriting,
    Bundling,
    Verifying,
    Completed,
}

/// <summary>The cleaned copy and the proof that the secrets are gone from it.</summary>
public sealed record CleaningResult
{
    public required string CleanedRepositoryPath { get; init; }

    public required string BundlePath { get; init; }

    /// <summary>Hashes whose values were re-found in history and replaced.</summary>
    public required IReadOnlyList<string> CleanedHashes { get; init; }

    /// <summary>Hashes no rule found in the history (nothing to replace, or a rule that is not configured).</summary>
    public required IReadOnlyList<string> HashesNotFound { get; init; }

    public required int CommitsRewritten { get; init; }

    /// <summary>Commits whose files or message held a selected value (and so changed content, not just their parents).</summary>
    public int CommitsChanged { get; init; }

    /// <summary>
    /// Everything the re-scan of the cleaned copy found: the proof. Findings of the selected values mean the cleaning
    /// failed; the others are secrets nobody selected, which stay in history.
    /// </summary>
    public IReadOnlyList<Finding> RescanFindings { get; init; } = [];

    /// <summary>Blobs, commit messages and tag messages whose content changed.</summary>
    public required int ObjectsRewritten { get; init; }

    public required long OccurrencesReplaced { get; init; }

    /// <summary>Findings of the cleaned hashes in a full re-scan of the cleaned copy's history; 0 when clean.</summary>
    public required int RemainingFindings { get; init; }

    /// <summary>Byte-for-byte occurrences of the cleaned values in every object of the cleaned copy; 0 when clean.</summary>
    public required long RemainingOccurrences { get; init; }

    public bool Verified => RemainingFindings == 0 && RemainingOccurrences == 0;

    /// <summary>Shell commands that replace the remote's history with the cleaned one.</summary>
    public required IReadOnlyList<string> PushCommands { get; init; }
}

/// <summary>
/// Rewrites history without the selected secrets. The web app stores only hashes, and a hash cannot be
/// reversed, so the cleaner first re-scans the source history with the same rules and keeps, in memory and
/// only for the duration of the call, the raw values whose hashes were selected. It then streams
/// <c>git fast-export --all</c> through a filter that replaces every occurrence of those values (in file
/// contents and in commit/tag messages) with <c>***REMOVED***</c> into <c>git fast-import</c>, which keeps
/// authors, committers, dates, messages, merges, branches and tags. Finally it writes a bundle and proves
/// the result: a re-scan with the engine and a byte search over every object of the cleaned copy.
/// </summary>
public sealed class HistoryCleaner(SecretScanner scanner)
{
    public async Task<CleaningResult> CleanAsync(CleaningRequest request, IProgress<CleaningPhase>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var targets = request.SecretHashes.Select(h => h.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        if (targets.Count == 0)
        {
            throw new ArgumentException("Select at least one secret hash to clean.", nameof(request));
        }

        var invalid = targets.FirstOrDefault(h => !SecretHasher.IsValidHash(h));
        if (invalid is not null)
        {
            throw new ArgumentException($"'{invalid}' is not a SHA-256 hex hash.", nameof(request));
        }

        var source = Path.GetFullPath(request.RepositoryPath);
        await HistoryScan.EnsureRepositoryAsync(source, cancellationToken);
        var name = RepositoryName(source);
        Directory.CreateDirectory(request.OutputDirectory);
        var cleanedPath = Path.Combine(Path.GetFullPath(request.OutputDirectory), name + "-cleaned.git");
        var bundlePath = Path.Combine(Path.GetFullPath(request.OutputDirectory), name + "-cleaned.bundle");
        if (Directory.Exists(cleanedPath) || File.Exists(bundlePath))
        {
            throw new IOException($"'{cleanedPath}' or '{bundlePath}' already exists; choose an empty output directory.");
        }

        var stored = request.StoredHash ?? (h => h);
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            progress?.Report(CleaningPhase.FindingValues);
            await foreach (var _ in scanner.ScanHistoryAsync(source, (sha256, value) =>
                           {
                               var hash = stored(sha256);
                               if (targets.Contains(hash))
                               {
                                   lock (values)
                                   {
                                       values.TryAdd(hash, Encoding.UTF8.GetBytes(value));
                                   }
                               }
                           }, cancellationToken))
            {
                // Findings are not needed here: the sink collects the values.
            }

            progress?.Report(CleaningPhase.Rewriting);
            var replacer = new ValueReplacer(values.Values, Encoding.UTF8.GetBytes(request.Replacement));
            await GitProcess.RunAsync(request.OutputDirectory, ["init", "--bare", "--quiet", cleanedPath], cancellationToken);
            var (commits, commitsChanged) = await RewriteAsync(source, cleanedPath, replacer, cancellationToken);
            await CopyHeadAsync(source, cleanedPath, cancellationToken);

            progress?.Report(CleaningPhase.Bundling);
            await GitProcess.RunAsync(cleanedPath, ["bundle", "create", "--quiet", bundlePath, "--all"], cancellationToken);

            progress?.Report(CleaningPhase.Verifying);
            var remainingFindings = 0;
            var rescan = new List<Finding>();
            await foreach (var finding in scanner.ScanHistoryAsync(cleanedPath, cancellationToken: cancellationToken))
            {
                rescan.Add(finding);
                if (targets.Contains(stored(finding.SecretHash)))
                {
                    remainingFindings++;
                }
            }

            var remainingOccurrences = await CountOccurrencesAsync(cleanedPath, replacer, cancellationToken);
            progress?.Report(CleaningPhase.Completed);
            return new CleaningResult
            {
                CleanedRepositoryPath = cleanedPath,
                BundlePath = bundlePath,
                CleanedHashes = values.Keys.Order(StringComparer.Ordinal).ToList(),
                HashesNotFound = targets.Except(values.Keys).Order(StringComparer.Ordinal).ToList(),
                CommitsRewritten = commits,
                CommitsChanged = commitsChanged,
                RescanFindings = rescan,
                ObjectsRewritten = replacer.ObjectsChanged,
                OccurrencesReplaced = replacer.Occurrences,
                RemainingFindings = remainingFindings,
                RemainingOccurrences = remainingOccurrences,
                PushCommands = PushCommands(bundlePath, name),
            };
        }
        finally
        {
            // Strings cannot be wiped, but the byte copies can: do not leave them for the GC to find.
            foreach (var value in values.Values)
            {
                Array.Clear(value);
            }
        }
    }

    /// <returns>All commits rewritten, and those whose content changed (a changed blob, inline file or message).</returns>
    private static async Task<(int Commits, int Changed)> RewriteAsync(string source, string target, ValueReplacer replacer, CancellationToken ct)
    {
        await using var export = GitProcess.Start(source,
            ["fast-export", "--all", "--signed-tags=strip", "--tag-of-filtered-object=rewrite", "--reencode=no"]);
        await using var import = GitProcess.Start(target, ["fast-import", "--quiet", "--force"], redirectInput: true);

        var reader = new ByteStreamReader(export.StandardOutput);
        var output = new BufferedStream(import.StandardInput, 1 << 16);
        var commits = 0;
        var changedCommits = 0;
        var changedBlobs = new HashSet<string>(StringComparer.Ordinal);
        var commitPrefix = "commit "u8.ToArray();
        var dataPrefix = "data "u8.ToArray();
        var markPrefix = "mark "u8.ToArray();
        var modifyPrefix = "M "u8.ToArray();
        var blob = "blob"u8.ToArray();
        // Where we are in the stream: the mark of the blob being read, and whether the current commit changed.
        string? blobMark = null;
        var inBlob = false;
        var inCommit = false;
        var commitChanged = false;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var span = line.AsSpan();
            if (span.StartsWith(dataPrefix))
            {
                var text = Encoding.ASCII.GetString(line, dataPrefix.Length, line.Length - dataPrefix.Length);
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                {
                    throw new GitException($"git fast-export: unsupported data header '{text}'.");
                }

                var original = await reader.ReadExactlyAsync(length, ct);
                var data = replacer.Replace(original);
                if (!ReferenceEquals(data, original))
                {
                    if (inBlob && blobMark is not null)
                    {
                        changedBlobs.Add(blobMark);
                    }
                    else if (inCommit)
                    {
                        commitChanged = true; // the message, or an inline file
                    }
                }

                await output.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"data {data.Length}\n")), ct);
                await output.WriteAsync(data, ct);
                continue;
            }

            var newCommand = span.StartsWith(commitPrefix) || span.SequenceEqual(blob) || span.StartsWith("reset "u8) || span.StartsWith("tag "u8)
                             || span.SequenceEqual("done"u8);
            if (newCommand)
            {
                if (inCommit && commitChanged)
                {
                    changedCommits++;
                }

                inCommit = span.StartsWith(commitPrefix);
                inBlob = span.SequenceEqual(blob);
                commitChanged = false;
                blobMark = null;
                if (inCommit)
                {
                    commits++;
                }
            }
            else if (inBlob && span.StartsWith(markPrefix))
            {
                blobMark = Encoding.ASCII.GetString(line, markPrefix.Length, line.Length - markPrefix.Length);
            }
            else if (inCommit && span.StartsWith(modifyPrefix))
            {
                // "M <mode> <dataref> <path>": a file set to a blob that had a selected value.
                var parts = Encoding.ASCII.GetString(line).Split(' ', 4);
                if (parts.Length >= 3 && changedBlobs.Contains(parts[2]))
                {
                    commitChanged = true;
                }
            }

            await output.WriteAsync(line, ct);
            output.WriteByte((byte)'\n');
        }

        if (inCommit && commitChanged)
        {
            changedCommits++;
        }

        await output.FlushAsync(ct);
        import.StandardInput.Close();
        await export.WaitForSuccessAsync(ct);
        await import.WaitForSuccessAsync(ct);
        return (commits, changedCommits);
    }

    private static async Task CopyHeadAsync(string source, string target, CancellationToken ct)
    {
        try
        {
            var head = (await GitProcess.RunAsync(source, ["symbolic-ref", "-q", "HEAD"], ct)).Trim();
            await GitProcess.RunAsync(target, ["rev-parse", "--verify", "--quiet", head], ct);
            await GitProcess.RunAsync(target, ["symbolic-ref", "HEAD", head], ct);
        }
        catch (GitException)
        {
            // Detached HEAD in the source, or its branch has no commits: keep git's default HEAD.
        }
    }

    private static async Task<long> CountOccurrencesAsync(string repository, ValueReplacer replacer, CancellationToken ct)
    {
        await using var objects = GitProcess.Start(repository, ["cat-file", "--batch-all-objects", "--batch"]);
        var reader = new ByteStreamReader(objects.StandardOutput);
        long found = 0;
        while (await reader.ReadLineStringAsync(ct) is { } header)
        {
            var parts = header.Split(' ');
            if (parts.Length < 3)
            {
                continue;
            }

            var data = await reader.ReadExactlyAsync(long.Parse(parts[2], CultureInfo.InvariantCulture), ct);
            await reader.SkipAsync(1, ct);
            found += replacer.Count(data);
        }

        await objects.WaitForSuccessAsync(ct);
        return found;
    }

    private static string RepositoryName(string path)
    {
        var name = Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar, '/'));
        if (name == ".git")
        {
            name = Path.GetFileName(Path.GetDirectoryName(path.TrimEnd(Path.DirectorySeparatorChar, '/')));
        }

        name = name?.EndsWith(".git", StringComparison.Ordinal) == true ? name[..^4] : name;
        return string.IsNullOrEmpty(name) ? "repository" : name;
    }

    private static List<string> PushCommands(string bundlePath, string name) =>
    [
        $"git clone --mirror '{bundlePath}' '{name}-cleaned.git'",
        $"cd '{name}-cleaned.git'",
        "git remote set-url origin <your-remote-url>",
        "git push --force origin 'refs/heads/*:refs/heads/*' 'refs/tags/*:refs/tags/*'",
        "# Then rotate the secrets anyway (they were exposed), and ask collaborators to re-clone.",
    ];

    /// <summary>Replaces raw value bytes; longest first so a value inside another is not half-replaced.</summary>
    private sealed class ValueReplacer(IEnumerable<byte[]> values, byte[] replacement)
    {
        private readonly byte[][] _values = values.Where(v => v.Length > 0).OrderByDescending(v => v.Length).ToArray();

        public int ObjectsChanged { get; private set; }

        public long Occurrences { get; private set; }

        public byte[] Replace(byte[] data)
        {
            var result = data;
            var changed = false;
            foreach (var value in _values)
            {
                var first = result.AsSpan().IndexOf(value);
                if (first < 0)
                {
                    continue;
                }

                var output = new List<byte>(result.Length);
                var rest = result.AsSpan();
                int at;
                while ((at = rest.IndexOf(value)) >= 0)
                {
                    output.AddRange(rest[..at]);
                    output.AddRange(replacement);
                    rest = rest[(at + value.Length)..];
                    Occurrences++;
                }

                output.AddRange(rest);
                result = output.ToArray();
                changed = true;
            }

            if (changed)
            {
                ObjectsChanged++;
            }

            return result;
        }

        public long Count(byte[] data)
        {
            long count = 0;
            foreach (var value in _values)
            {
                var rest = data.AsSpan();
                int at;
                while ((at = rest.IndexOf(value)) >= 0)
                {
                    count++;
                    rest = rest[(at + value.Length)..];
                }
            }

            return count;
        }
    }
}
