using System.Diagnostics;

namespace DeployGuard.Scanning;

public enum ScanPhase
{
    Starting,
    Scanning,
    Completed,
}

/// <summary>
/// A snapshot for a progress bar. Directory scans count files; history scans count commits (of a total
/// known up front) and blobs (whose total grows as commits are read). Reports are raised on scanning
/// threads; <see cref="Progress{T}"/> marshals them to the caller's context.
/// </summary>
public sealed record ScanProgress(
    ScanPhase Phase,
    int CommitsDone,
    int CommitsTotal,
    int FilesDone,
    int FilesTotal,
    long BytesScanned,
    int FindingsFound,
    TimeSpan Elapsed)
{
    /// <summary>0..1: commits for history scans, files otherwise.</summary>
    public double Fraction => Phase == ScanPhase.Completed ? 1
        : CommitsTotal > 0 ? (double)CommitsDone / CommitsTotal
        : FilesTotal > 0 ? (double)FilesDone / FilesTotal
        : 0;
}

/// <summary>Counters shared by scanning threads, reported at most every 100 ms plus once at the end.</summary>
internal sealed class ProgressTracker(IProgress<ScanProgress>? progress)
{
    private const long IntervalMs = 100;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private int _commitsDone;
    private int _commitsTotal;
    private int _filesDone;
    private int _filesTotal;
    private long _bytes;
    private int _findings;
    private long _lastReport = -IntervalMs;
    private bool _held;

    public int FilesDone => Volatile.Read(ref _filesDone);

    public int CommitsDone => Volatile.Read(ref _commitsDone);

    public long BytesScanned => Interlocked.Read(ref _bytes);

    public void SetCommitsTotal(int total)
    {
        Volatile.Write(ref _commitsTotal, total);
        Report(ScanPhase.Starting, force: true);
    }

    public void SetFilesTotal(int total)
    {
        Volatile.Write(ref _filesTotal, total);
        Volatile.Write(ref _held, false);
        Report(ScanPhase.Starting, force: true);
    }

    /// <summary>No report until <see cref="SetFilesTotal"/>: a directory scan lists while it scans.</summary>
    public void HoldUntilTotal() => Volatile.Write(ref _held, true);

    public void FileQueued() => Interlocked.Increment(ref _filesTotal);

    public void FileDone(long bytes)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Increment(ref _filesDone);
        Report(ScanPhase.Scanning);
    }

    public void CommitDone()
    {
        Interlocked.Increment(ref _commitsDone);
        Report(ScanPhase.Scanning);
    }

    public void FindingFound() => Interlocked.Increment(ref _findings);

    public ScanProgress Complete()
    {
        var snapshot = Snapshot(ScanPhase.Completed);
        lock (_gate)
        {
            progress?.Report(snapshot);
        }

        return snapshot;
    }

    private void Report(ScanPhase phase, bool force = false)
    {
        if (progress is null || (!force && Volatile.Read(ref _held)))
        {
            return;
        }

        var now = _clock.ElapsedMilliseconds;
        if (!force && now - Interlocked.Read(ref _lastReport) < IntervalMs)
        {
            return;
        }

        lock (_gate)
        {
            if (!force && now - _lastReport < IntervalMs)
            {
                return;
            }

            _lastReport = now;
            progress.Report(Snapshot(phase));
        }
    }

    private ScanProgress Snapshot(ScanPhase phase) => new(
        phase,
        Volatile.Read(ref _commitsDone),
        Volatile.Read(ref _commitsTotal),
        Volatile.Read(ref _filesDone),
        Volatile.Read(ref _filesTotal),
        Interlocked.Read(ref _bytes),
        Volatile.Read(ref _findings),
        _clock.Elapsed);
}
