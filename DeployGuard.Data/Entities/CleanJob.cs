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
    /// <summary>Occurrences of the selected secrets the re-scan of the cleaned copy still found (must be 0).</summary>
    public int? RemainingAfterRescan { get; set; }
    /// <summary>Distinct values selected for this cleaning (several findings can share one).</summary>
    public int? SecretsSelected { get; set; }
    /// <summary>Distinct selected values found in history and replaced; the others were not found there.</summary>
    public int? SecretsCleaned { get; set; }
    /// <summary>Commits whose content held a selected value (the cleaning changed their files or message).</summary>
    public int? CommitsChanged { get; set; }
    /// <summary>Unsuppressed findings of secrets nobody selected, still in the cleaned history.</summary>
    public int? OtherFindingsRemaining { get; set; }
    /// <summary>
    /// The re-scan's proof as JSON: every finding of the cleaned copy (<see cref="RescanFinding"/>s: rule, file, line,
    /// commit of the cleaned history, redacted preview, whether it was selected or suppressed). Hashes and previews only.
    /// </summary>
    public string? RescanFindings { get; set; }
    /// <summary>Bytes of the cleaned bundle (stored in <see cref="CleanBundleChunk"/>s); null until there is one.</summary>
    public long? BundleSize { get; set; }
    public string? ErrorMessage { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>One finding of the re-scan of a cleaned copy (stored as JSON in <see cref="CleanJob.RescanFindings"/>).</summary>
public sealed record RescanFinding(string RuleId, string FilePath, int Line, string? Commit, string Preview, bool Selected, bool Suppressed);
