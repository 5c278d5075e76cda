using System.Text.Json.Serialization;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Events;

namespace DeployGuard.Data.Services.Scanning;

public enum ScanEventKind
{
    Queued,
    Started,
    /// <summary>Counters moved (about twice a second while a scan runs).</summary>
    Progress,
    Completed,
    Failed,
}

/// <summary>A scan's state and counters as its pages show them (topic <see cref="Topics.Scans"/>).</summary>
public sealed record ScanEvent(ScanEventKind Kind, Guid ScanId) : BusEvent
{
    [JsonIgnore]
    public override Guid? EntityId => ScanId;

    public ScanStatus Status { get; init; }
    public int CommitsDone { get; init; }
    public int CommitsTotal { get; init; }
    public int FilesDone { get; init; }
    public int FilesTotal { get; init; }
    public int TotalSecretsFound { get; init; }
    public int SuppressedCount { get; init; }
    public long BytesScanned { get; init; }
    public string? ErrorMessage { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public long? DurationMs { get; init; }

    public static ScanEvent Of(ScanEventKind kind, ScanJob job, long bytes = 0) => new(kind, job.Id)
    {
        Status = job.Status, CommitsDone = job.CommitsDone, CommitsTotal = job.CommitsTotal, FilesDone = job.FilesDone, FilesTotal = job.FilesTotal,
        TotalSecretsFound = job.TotalSecretsFound, SuppressedCount = job.SuppressedCount, BytesScanned = bytes, ErrorMessage = job.ErrorMessage,
        StartedAt = job.StartedAt, CompletedAt = job.CompletedAt, DurationMs = job.DurationMs,
    };

    /// <summary>The row a list or detail page holds, brought up to date.</summary>
    public ScanJobRow Patch(ScanJobRow row) => row with
    {
        Status = Status, CommitsDone = CommitsDone, CommitsTotal = CommitsTotal, FilesDone = FilesDone, FilesTotal = FilesTotal,
        TotalSecretsFound = TotalSecretsFound, SuppressedCount = SuppressedCount, ErrorMessage = ErrorMessage, StartedAt = StartedAt ?? row.StartedAt,
        CompletedAt = CompletedAt, DurationMs = DurationMs,
    };
}

public enum CleaningEventKind
{
    Requested,
    Started,
    Completed,
    Failed,
    /// <summary>It failed and waits to be tried again.</summary>
    Retrying,
}

/// <summary>A cleaning's state (topic <see cref="Topics.Cleanings"/>; the entity is the scan whose page shows it).</summary>
public sealed record CleaningEvent(CleaningEventKind Kind, Guid CleanId, Guid ScanId) : BusEvent
{
    [JsonIgnore]
    public override Guid? EntityId => ScanId;

    public ScanStatus Status { get; init; }
    public int ReplacementCount { get; init; }
    public int? RemainingAfterRescan { get; init; }
    public long? BundleSize { get; init; }
    public string? ErrorMessage { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    public static CleaningEvent Of(CleaningEventKind kind, CleanJob clean) => new(kind, clean.Id, clean.ScanJobId)
    {
        Status = clean.Status, ReplacementCount = clean.ReplacementCount, RemainingAfterRescan = clean.RemainingAfterRescan,
        BundleSize = clean.BundleSize, ErrorMessage = clean.ErrorMessage, CompletedAt = clean.CompletedAt,
    };

    public CleanJobRow Patch(CleanJobRow row) => row with
    {
        Status = Status, ReplacementCount = ReplacementCount, RemainingAfterRescan = RemainingAfterRescan, BundleSize = BundleSize,
        HasBundle = BundleSize != null, ErrorMessage = ErrorMessage, CompletedAt = CompletedAt,
    };
}

public enum FindingsEventKind
{
    /// <summary>A scan (or an upload) stored new findings.</summary>
    Added,
    /// <summary>Findings were triaged or (un)selected for cleaning.</summary>
    Changed,
}

/// <summary>Findings of a scan changed (topic <see cref="Topics.Findings"/>): lists showing them reload their visible page.</summary>
public sealed record FindingsEvent(FindingsEventKind Kind, Guid ScanId) : BusEvent
{
    [JsonIgnore]
    public override Guid? EntityId => ScanId;

    /// <summary>How many findings this change added or touched.</summary>
    public int Count { get; init; }
}

/// <summary>Operators' instruments of scanning.</summary>
public static class ScanMetrics
{
    private static readonly System.Diagnostics.Metrics.Counter<long> Bytes = Telemetry.DeployGuardTelemetry.Meter.CreateCounter<long>(
        "deployguard.scan.bytes", "By", "Bytes of git objects the secret scanner read (rate() gives bytes per second).");

    public static void Scanned(long bytes)
    {
        if (bytes > 0)
        {
            Bytes.Add(bytes);
        }
    }
}
