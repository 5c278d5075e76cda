using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using DeployGuard.Scanning.Detection;

namespace DeployGuard.Scanning.Git;

/// <summary>
/// Scans every commit of every ref. Each distinct blob is read once (<c>git cat-file --batch</c>) and scanned
/// once, in parallel; each commit's changes come from <c>git log --all --raw</c> (renames followed, merges
/// as combined diffs). A secret is reported for the commit that changed a file so that the secret is in the
/// new version but not in the previous one, which is where it was introduced; later deletion does not hide it.
/// Memory is bounded by the channel capacities and the blob size limit, plus one small record per distinct
/// blob (the de-duplication table).
/// </summary>
internal sealed class HistoryScan(Detector detector, PathFilter filter, ScanOptions options, ProgressTracker tracker)
{
    private const char CommitMarker = '\u0001';
    private const char FieldSeparator = '\u001f';

    private readonly ConcurrentDictionary<string, TaskCompletionSource<IReadOnlyList<Candidate>>> _blobs = new(StringComparer.Ordinal);
    private readonly Channel<string> _requests = Channel.CreateBounded<string>(new BoundedChannelOptions(4096) { SingleReader = true });
    // Blob contents in pooled buffers (returned once scanned): no array per blob, memory bounded by the capacity.
    private readonly Channel<(string Oid, byte[] Buffer, int Length)> _contents = Channel.CreateBounded<(string, byte[], int)>(Math.Max(2, options.MaxDegreeOfParallelism * 2));
    private readonly Channel<CommitWork> _commits = Channel.CreateBounded<CommitWork>(1024);
    private Exception? _failure;

    public static async Task EnsureRepositoryAsync(string repository, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(repository))
        {
            throw new DirectoryNotFoundException($"'{repository}' does not exist.");
        }

        try
        {
            await GitProcess.RunAsync(repository, ["rev-parse", "--git-dir"], cancellationToken);
        }
        catch (GitException e)
        {
            throw new GitException($"'{repository}' is not a git repository: {e.Message}");
        }
    }

    public async Task RunAsync(string repository, ChannelWriter<Finding> output, CancellationToken cancellationToken)
    {
        await EnsureRepositoryAsync(repository, cancellationToken);
        var count = await GitProcess.RunAsync(repository, ["rev-list", "--all", "--count"], cancellationToken);
        tracker.SetCommitsTotal(int.Parse(count.Trim(), CultureInfo.InvariantCulture));

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ct = cts.Token;
        await using var catFile = GitProcess.Start(repository, ["cat-file", "--batch"], redirectInput: true);
        await using var log = GitProcess.Start(repository,
        [
            "log", "--all", "--root", "--raw", "--no-abbrev", "-M", "-c", "--no-color", "--no-ext-diff",
            $"--format={CommitMarker}%H{FieldSeparator}%an{FieldSeparator}%ae{FieldSeparator}%aI{FieldSeparator}%s",
        ]);

        // A read or write blocked on a git pipe does not notice the token; stopping git ends it.
        await using var stopGit = ct.Register(() =>
        {
            catFile.Stop();
            log.Stop();
        });

        var tasks = new List<Task>
        {
            Guard(() => ReadLogAsync(log, ct), cts),
            Guard(() => WriteRequestsAsync(catFile, ct), cts),
            Guard(() => ReadBlobsAsync(catFile, ct), cts),
            Guard(() => AttributeAsync(output, ct), cts),
        };
        for (var i = 0; i < Math.Max(1, options.MaxDegreeOfParallelism); i++)
        {
            tasks.Add(Guard(() => ScanBlobsAsync(ct), cts));
        }

        try
        {
            await Task.WhenAll(tasks);
        }
        catch when (_failure is not null)
        {
            // Rethrown below: the root cause, not the cancellations it caused.
        }

        // Stopped from outside: git was killed on the way, so its exit code says nothing.
        cancellationToken.ThrowIfCancellationRequested();
        if (_failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
        }

        await catFile.WaitForSuccessAsync(cancellationToken);
    }

    private async Task Guard(Func<Task> work, CancellationTokenSource cts)
    {
        try
        {
            await Task.Run(work, cts.Token);
        }
        catch (Exception e)
        {
            // The first failure is the root cause; the cancellations it triggers come after it.
            Interlocked.CompareExchange(ref _failure, e, null);
            await cts.CancelAsync();
            throw;
        }
    }

    private Task<IReadOnlyList<Candidate>> Request(string oid, CancellationToken ct, out ValueTask enqueue)
    {
        var created = new TaskCompletionSource<IReadOnlyList<Candidate>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = _blobs.GetOrAdd(oid, created);
        if (ReferenceEquals(existing, created))
        {
            tracker.FileQueued();
            enqueue = _requests.Writer.WriteAsync(oid, ct);
        }
        else
        {
            enqueue = ValueTask.CompletedTask;
        }

        return existing.Task;
    }

    private async Task<IReadOnlyList<Candidate>> RequestAsync(string oid, CancellationToken ct)
    {
        var task = Request(oid, ct, out var enqueue);
        await enqueue;
        return await task.WaitAsync(ct);
    }

    private async Task ReadLogAsync(GitProcess log, CancellationToken ct)
    {
        try
        {
            using var reader = new StreamReader(log.StandardOutput, Encoding.UTF8);
            CommitWork? current = null;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length > 0 && line[0] == CommitMarker)
                {
                    if (current is not null)
                    {
                        await _commits.Writer.WriteAsync(current, ct);
                    }

                    current = ParseHeader(line);
                }
                else if (current is not null && line.StartsWith(':') && ParseRaw(line) is { } change && filter.ShouldScan(change.Path))
                {
                    change.NewBlob = Request(change.NewOid, ct, out var enqueue);
                    await enqueue;
                    current.Changes.Add(change);
                }
            }

            if (current is not null)
            {
                await _commits.Writer.WriteAsync(current, ct);
            }

            await log.WaitForSuccessAsync(ct);
            _commits.Writer.Complete();
        }
        catch (Exception e)
        {
            _commits.Writer.TryComplete(e);
            throw;
        }
    }

    private async Task WriteRequestsAsync(GitProcess catFile, CancellationToken ct)
    {
        var stdin = catFile.StandardInput;
        var line = new byte[128];
        await foreach (var oid in _requests.Reader.ReadAllAsync(ct))
        {
            var length = Encoding.ASCII.GetBytes(oid, line);
            line[length] = (byte)'\n';
            await stdin.WriteAsync(line.AsMemory(0, length + 1), ct);
            if (!_requests.Reader.TryPeek(out _))
            {
                await stdin.FlushAsync(ct);
            }
        }

        // No more requests: cat-file finishes its output and exits, which ends ReadBlobsAsync.
        stdin.Close();
    }

    private async Task ReadBlobsAsync(GitProcess catFile, CancellationToken ct)
    {
        try
        {
            var reader = new ByteStreamReader(catFile.StandardOutput);
            while (await reader.ReadLineStringAsync(ct) is { } header)
            {
                var parts = header.Split(' ');
                if (parts.Length < 3)
                {
                    // "<oid> missing": a shallow clone or a broken object; nothing to scan.
                    tracker.FileDone(0);
                    Complete(parts[0], Detector.NoCandidates);
                    continue;
                }

                var size = long.Parse(parts[2], CultureInfo.InvariantCulture);
                if (parts[1] != "blob" || size > options.MaxFileSizeBytes)
                {
                    await reader.SkipAsync(size + 1, ct);
                    tracker.FileDone(0);
                    Complete(parts[0], Detector.NoCandidates);
                    continue;
                }

                var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, size));
                try
                {
                    await reader.ReadExactlyAsync(buffer.AsMemory(0, (int)size), ct);
                    await reader.SkipAsync(1, ct);
                    await _contents.Writer.WriteAsync((parts[0], buffer, (int)size), ct);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
            }

            _contents.Writer.Complete();
        }
        catch (Exception e)
        {
            _contents.Writer.TryComplete(e);
            throw;
        }
    }

    private async Task ScanBlobsAsync(CancellationToken ct)
    {
        await foreach (var (oid, buffer, length) in _contents.Reader.ReadAllAsync(ct))
        {
            IReadOnlyList<Candidate> candidates;
            try
            {
                candidates = ContentScanner.Scan(detector, buffer.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            tracker.FileDone(length);
            Complete(oid, candidates);
        }
    }

    private void Complete(string oid, IReadOnlyList<Candidate> candidates)
    {
        if (_blobs.TryGetValue(oid, out var source))
        {
            source.TrySetResult(candidates);
        }
    }

    private async Task AttributeAsync(ChannelWriter<Finding> output, CancellationToken ct)
    {
        try
        {
            await foreach (var commit in _commits.Reader.ReadAllAsync(ct))
            {
                foreach (var change in commit.Changes)
                {
                    // With the token: once the scan is stopped, blobs still queued are never completed.
                    var candidates = await change.NewBlob!.WaitAsync(ct);
                    if (candidates.Count == 0)
                    {
                        continue;
                    }

                    var before = new HashSet<(string Rule, string Hash)>();
                    foreach (var oldOid in change.OldOids)
                    {
                        if (!GitPaths.IsZeroId(oldOid))
                        {
                            foreach (var old in await RequestAsync(oldOid, ct))
                            {
                                before.Add((old.Rule.Rule.Id, old.SecretHash));
                            }
                        }
                    }

                    foreach (var candidate in candidates)
                    {
                        if (!before.Contains((candidate.Rule.Rule.Id, candidate.SecretHash))
                            && detector.ToFinding(candidate, change.Path, commit.Info) is { } finding)
                        {
                            tracker.FindingFound();
                            await output.WriteAsync(finding, ct);
                        }
                    }
                }

                tracker.CommitDone();
            }
        }
        finally
        {
            _requests.Writer.TryComplete();
        }
    }

    private static CommitWork ParseHeader(string line)
    {
        var fields = line[1..].Split(FieldSeparator);
        var date = fields.Length > 3 && DateTimeOffset.TryParse(fields[3], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : DateTimeOffset.UnixEpoch;
        return new CommitWork(new CommitInfo(
            fields[0],
            fields.ElementAtOrDefault(1) ?? "",
            fields.ElementAtOrDefault(2) ?? "",
            date,
            fields.Length > 4 ? string.Join(FieldSeparator, fields[4..]) : ""));
    }

    // ":100644 100644 <old> <new> M\tpath", ":... R087\told\tnew", "::m1 m2 m3 <o1> <o2> <new> MM\tpath"
    internal static Change? ParseRaw(string line)
    {
        var tab = line.IndexOf('\t');
        if (tab < 0)
        {
            return null;
        }

        var parents = 0;
        while (parents < line.Length && line[parents] == ':')
        {
            parents++;
        }

        var meta = line[parents..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (meta.Length < (2 * (parents + 1)) + 1)
        {
            return null;
        }

        var newMode = meta[parents];
        var oids = meta[(parents + 1)..((2 * parents) + 2)];
        var newOid = oids[^1];
        // Deleted files, submodules (160000) and symlinks (120000) have no content of their own to scan.
        if (GitPaths.IsZeroId(newOid) || newMode is "160000" or "120000" or "000000")
        {
            return null;
        }

        var paths = line[(tab + 1)..].Split('\t');
        return new Change(GitPaths.Unquote(paths[^1]), newOid, oids[..^1]);
    }

    internal sealed class Change(string path, string newOid, string[] oldOids)
    {
        public string Path { get; } = path;

        public string NewOid { get; } = newOid;

        public string[] OldOids { get; } = oldOids;

        public Task<IReadOnlyList<Candidate>>? NewBlob { get; set; }
    }

    private sealed record CommitWork(CommitInfo Info)
    {
        public List<Change> Changes { get; } = [];
    }
}
