using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Cleaning;
using DeployGuard.Scanning.Suppressions;
using Microsoft.Extensions.Options;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Jobs;

namespace DeployGuard.Web.Scanning;

/// <summary>Runs one claimed scan or cleaning: clone, scan or rewrite with the engine, store results, tidy up.</summary>
internal sealed class ScanJobRunner(
    ScanJobQueue queue,
    ScanJobService jobs,
    FalsePositiveLearning learning,
    IOptions<ScanningOptions> options,
    SecretHashKey hashKey,
    ILogger<ScanJobRunner> logger)
{
    private const int FindingBatch = 250;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    private string WorkRoot => options.Value.ResolveWorkDirectory();

    /// <summary>
    /// Runs one claimed scan for <paramref name="owner"/>: clone, scan, store findings in batches, complete. Throws on any
    /// failure; the job worker turns that into the scan's failure (the one catch-and-fail path).
    /// </summary>
    public async Task RunScanAsync(ClaimedScan job, string owner, CancellationToken ct)
    {
        var workDir = Path.Combine(WorkRoot, "scan-" + job.Id.ToString("N"));
        logger.LogInformation("Scan {JobId} of {Source} started", job.Id, job.SourceUrl);
        try
        {
            var repository = await PrepareAsync(job.SourcePlatform, job.SourceUrl, job.Branch, job.EncryptedAccessToken, workDir, ct);
            var scanner = await CreateScannerAsync(ct);

            ScanProgress? latest = null;
            var progress = new SynchronousProgress<ScanProgress>(p => latest = p);
            using var done = new CancellationTokenSource();
            var reporter = ReportProgressAsync(job.Id, owner, () => latest, done.Token);

            var batch = new List<SecretFinding>(FindingBatch);
            await foreach (var finding in scanner.ScanHistoryAsync(repository, progress, ct))
            {
                batch.Add(ToEntity(finding));
                if (batch.Count >= FindingBatch)
                {
                    await queue.AddFindingsAsync(job.Id, owner, batch, ct);
                    batch = new List<SecretFinding>(FindingBatch);
                }
            }

            await queue.AddFindingsAsync(job.Id, owner, batch, ct);
            await done.CancelAsync();
            await reporter;
            if (!await queue.CompleteScanAsync(job.Id, owner, latest?.CommitsTotal ?? 0, latest?.FilesDone ?? 0, ct))
            {
                throw new JobClaimLostException($"Scan {job.Id} was recovered while it ran.");
            }

            logger.LogInformation("Scan {JobId} completed: {Commits} commits, {Files} blobs", job.Id, latest?.CommitsTotal, latest?.FilesDone);
        }
        finally
        {
            TryDelete(workDir);
        }
    }

    /// <summary>Runs one claimed cleaning for <paramref name="owner"/>: mirror, rewrite, re-scan, store the bundle. Throws on failure.</summary>
    public async Task RunCleanAsync(ClaimedClean clean, string owner, CancellationToken ct)
    {
        var workDir = Path.Combine(WorkRoot, "clean-" + clean.Id.ToString("N"));
        logger.LogInformation("Cleaning {CleanId} of {Source} started ({Count} findings)", clean.Id, clean.SourceUrl, clean.Selected.Count);
        try
        {
            // A fresh mirror of every branch: the cleaned copy must keep the whole history shape.
            var source = Path.Combine(workDir, "source.git");
            var repository = clean.SourcePlatform == SourcePlatform.Local
                ? await CloneLocalAsync(clean.SourceUrl, null, source, ct)
                : await CloneRemoteAsync(clean.SourcePlatform, clean.SourceUrl, null, clean.EncryptedAccessToken, source, ct);
            var hashes = clean.Selected.Select(s => s.Hash).Distinct().ToList();
            var output = Path.Combine(workDir, "out");
            var cleaner = new HistoryCleaner(await CreateScannerAsync(ct));
            var result = await cleaner.CleanAsync(new CleaningRequest(repository, hashes, output) { StoredHash = hashKey.Keyed }, cancellationToken: ct);

            var cleaned = result.CleanedHashes.ToHashSet(StringComparer.Ordinal);
            var cleanedFindings = clean.Selected.Where(s => cleaned.Contains(s.Hash)).Select(s => s.FindingId).ToList();
            // Into PostgreSQL with the completion (the work folder, bundle included, is removed below). The re-scan's
            // hashes are SHA-256; the selected ones are stored keyed.
            var targets = hashes.ToHashSet(StringComparer.Ordinal);
            var proof = result.RescanFindings
                .Select(f => new RescanFinding(f.RuleId, f.FilePath.Truncate(500), f.Line, f.Commit?.Sha, f.RedactedPreview.Truncate(100),
                    targets.Contains(hashKey.Keyed(f.SecretHash)), f.IsSuppressed))
                .OrderByDescending(f => f.Selected).ThenBy(f => f.Suppressed).ThenBy(f => f.FilePath, StringComparer.Ordinal).ThenBy(f => f.Line)
                .ToList();
            var summary = new CleaningSummary(result.OccurrencesReplaced, result.RemainingFindings + (int)Math.Min(int.MaxValue, result.RemainingOccurrences),
                hashes.Count, result.CleanedHashes.Count, result.CommitsChanged, proof);
            await using (var bundle = File.OpenRead(result.BundlePath))
            {
                if (!await queue.CompleteCleanAsync(clean.Id, owner, bundle, summary, cleanedFindings, ct))
                {
                    throw new JobClaimLostException($"Cleaning {clean.Id} was recovered while it ran.");
                }
            }

            logger.LogInformation("Cleaning {CleanId} done: {Occurrences} occurrences replaced in {Commits} commits, verified {Verified}",
                clean.Id, result.OccurrencesReplaced, result.CommitsRewritten, result.Verified);
        }
        finally
        {
            TryDelete(workDir);
        }
    }

    private async Task<SecretScanner> CreateScannerAsync(CancellationToken ct)
    {
        var patterns = (await learning.ActiveAsync(ct)).Select(p => new FalsePositivePattern(p.Pattern, p.Confidence, p.Reason)).ToList();
        return new SecretScanner(options: new ScanOptions
        {
            FalsePositivePatterns = patterns,
            FalsePositiveMinConfidence = learning.Threshold,
            MaxDegreeOfParallelism = options.Value.ResolveParallelism(),
        });
    }

    private async Task<string> PrepareAsync(SourcePlatform platform, string url, string? branch, string? encryptedToken, string workDir, CancellationToken ct)
    {
        if (platform == SourcePlatform.Local && branch is null)
        {
            return url; // Read-only git commands on the repository in place.
        }

        return platform == SourcePlatform.Local
            ? await CloneLocalAsync(url, branch, workDir, ct)
            : await CloneRemoteAsync(platform, url, branch, encryptedToken, workDir, ct);
    }

    private static async Task<string> CloneLocalAsync(string path, string? branch, string destination, CancellationToken ct)
    {
        await GitClone.CloneAsync(SourcePlatform.Local, path, branch, null, destination, ct);
        return destination;
    }

    private async Task<string> CloneRemoteAsync(SourcePlatform platform, string url, string? branch, string? encryptedToken, string destination,
        CancellationToken ct)
    {
        await GitClone.CloneAsync(platform, url, branch, jobs.RevealAccessToken(encryptedToken), destination, ct);
        return destination;
    }

    private async Task ReportProgressAsync(Guid jobId, string owner, Func<ScanProgress?> latest, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(ProgressInterval);
        long bytesReported = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (latest() is { } p)
                {
                    await queue.ReportProgressAsync(jobId, owner, p.CommitsDone, p.CommitsTotal, p.FilesDone, p.FilesTotal, p.FindingsFound, p.BytesScanned,
                        stop);
                    ScanMetrics.Scanned(p.BytesScanned - bytesReported);
                    bytesReported = p.BytesScanned;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The scan finished.
        }

        if (latest() is { } last)
        {
            ScanMetrics.Scanned(last.BytesScanned - bytesReported);
        }
    }

    public static SecretFinding ToEntity(Finding finding) => SecretFindingStore.ToEntity(finding);

    private void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                // git marks pack files read-only.
                foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
                {
                    File.SetAttributes(file, FileAttributes.Normal);
                }

                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not delete the work folder {Directory}: {Error}", directory, ex.Message);
        }
    }

    /// <summary>Unlike Progress&lt;T&gt;, reports inline: the latest snapshot is all we keep.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
