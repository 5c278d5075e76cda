using System.Globalization;
using System.Text;
using System.Threading.Channels;
using DeployGuard.Scanning.Detection;

namespace DeployGuard.Scanning.Git;

/// <summary>
/// Scans what a commit would add: the staged version of every added, copied, modified or renamed file, against its
/// version in HEAD, reporting only secrets the staged version adds. Git compares the index with HEAD through the
/// index's cached tree, and only the changed blobs are read (<c>git cat-file --batch</c>), so the cost follows the
/// size of the change, not of the repository: a pre-commit hook on a repository of 100,000 files reads a few blobs.
/// </summary>
internal sealed class StagedScan(Detector detector, PathFilter filter, ScanOptions options, ProgressTracker tracker)
{
    // git's empty tree: what HEAD is before the first commit.
    private const string EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    public async Task RunAsync(string repository, ChannelWriter<Finding> output, CancellationToken cancellationToken)
    {
        await HistoryScan.EnsureRepositoryAsync(repository, cancellationToken);
        string head;
        try
        {
            head = (await GitProcess.RunAsync(repository, ["rev-parse", "-q", "--verify", "HEAD^{tree}"], cancellationToken)).Trim();
        }
        catch (GitException)
        {
            head = EmptyTree;
        }

        var diff = await GitProcess.RunAsync(repository,
            ["diff-index", "--cached", "--raw", "--no-abbrev", "-M", "--diff-filter=ACMR", "--no-ext-diff", head], cancellationToken);
        var changes = diff.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(HistoryScan.ParseRaw)
            .OfType<HistoryScan.Change>()
            .Where(c => filter.ShouldScan(c.Path))
            .ToList();
        tracker.SetFilesTotal(changes.Count);
        if (changes.Count == 0)
        {
            return;
        }

        var oids = changes.SelectMany(c => c.OldOids.Where(o => !GitPaths.IsZeroId(o)).Append(c.NewOid)).Distinct().ToList();
        var candidates = await ReadAndScanAsync(repository, oids, cancellationToken);
        foreach (var change in changes)
        {
            var before = change.OldOids
                .SelectMany(o => candidates.GetValueOrDefault(o) ?? Detector.NoCandidates)
                .Select(c => (c.Rule.Rule.Id, c.SecretHash))
                .ToHashSet();
            foreach (var candidate in candidates.GetValueOrDefault(change.NewOid) ?? Detector.NoCandidates)
            {
                if (!before.Contains((candidate.Rule.Rule.Id, candidate.SecretHash))
                    && detector.ToFinding(candidate, change.Path, commit: null) is { } finding)
                {
                    tracker.FindingFound();
                    await output.WriteAsync(finding, cancellationToken);
                }
            }
        }
    }

    private async Task<Dictionary<string, IReadOnlyList<Candidate>>> ReadAndScanAsync(string repository, List<string> oids, CancellationToken ct)
    {
        await using var catFile = GitProcess.Start(repository, ["cat-file", "--batch"], redirectInput: true);
        await using var stopGit = ct.Register(catFile.Stop);
        // Requests are written while answers are read: git stops reading once its output pipe is full.
        var requests = Task.Run(async () =>
        {
            var stdin = catFile.StandardInput;
            foreach (var oid in oids)
            {
                await stdin.WriteAsync(Encoding.ASCII.GetBytes(oid + "\n"), ct);
            }

            stdin.Close();
        }, ct);

        var result = new Dictionary<string, IReadOnlyList<Candidate>>(StringComparer.Ordinal);
        var reader = new ByteStreamReader(catFile.StandardOutput);
        while (await reader.ReadLineStringAsync(ct) is { } header)
        {
            var parts = header.Split(' ');
            if (parts.Length < 3)
            {
                result[parts[0]] = Detector.NoCandidates; // "<oid> missing"
                continue;
            }

            var size = long.Parse(parts[2], CultureInfo.InvariantCulture);
            if (parts[1] != "blob" || size > options.MaxFileSizeBytes)
            {
                await reader.SkipAsync(size + 1, ct);
                result[parts[0]] = Detector.NoCandidates;
                continue;
            }

            var bytes = await reader.ReadExactlyAsync(size, ct);
            await reader.SkipAsync(1, ct);
            result[parts[0]] = ContentScanner.Scan(detector, bytes);
            tracker.FileDone(bytes.Length);
        }

        await requests;
        await catFile.WaitForSuccessAsync(ct);
        return result;
    }
}
