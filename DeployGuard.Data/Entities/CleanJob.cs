namespace DeployGuard.Data.Entities;

/// <summary>Rewrites a scanned repository's history without the selected secrets (seed 01 "clean jobs").</summary>
public class CleanJob
{
    public Guid Id { get; set; }
    public Guid ScanJobId { get; set; }
    public ScanJob? ScanJob { get; set; }
    public string? RequestedById { get; set; }
    public string? RequestedByName { get; set; }
    public ScanStatus Status { get; set; } = ScanStatus.Pending;
    public int FindingCount { get; set; }
    /// <summary>Occurrences replaced by ***REMOVED*** across all commits.</summary>
    public int ReplacementCount { get; set; }
    /// <summary>Secrets the re-scan of the cleaned copy still found (must be 0).</summary>
    public int? RemainingAfterRescan { get; set; }
    /// <summary>Bytes of the cleaned bundle (stored in <see cref="CleanBundleChunk"/>s); null until there is one.</summary>
    public long? BundleSize { get; set; }
    public string? ErrorMessage { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}
