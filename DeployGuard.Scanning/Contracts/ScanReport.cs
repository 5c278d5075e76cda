namespace DeployGuard.Scanning.Contracts;

public sealed record ToolInfo(string Name, string Version);

/// <summary>What was scanned; every field optional (a plain folder has no remote or commit).</summary>
public sealed record RepositoryInfo(string? Name = null, string? Url = null, string? Branch = null, string? Commit = null);

public sealed record ScanStatistics(int FilesScanned, long BytesScanned, int CommitsScanned, double DurationSeconds);

public static class ScanModes
{
    public const string Directory = "directory";
    public const string History = "history";
}

/// <summary>
/// The result of one scan: what <c>deployguard scan --format json</c> prints and the body of
/// <c>POST /api/scans/upload</c>. Findings carry hashes and redacted previews only.
/// </summary>
public sealed record ScanReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required ToolInfo Tool { get; init; }

    /// <summary><see cref="ScanModes.Directory"/> or <see cref="ScanModes.History"/>.</summary>
    public required string Mode { get; init; }

    public RepositoryInfo? Repository { get; init; }

    /// <summary>Name of the DeployGuard service this scan belongs to, for the deployment security gate.</summary>
    public string? Service { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }

    public required ScanStatistics Statistics { get; init; }

    public required IReadOnlyList<Finding> Findings { get; init; }

    public int UnsuppressedCount => Findings.Count(f => !f.IsSuppressed);
}

/// <summary>Response of <c>POST /api/scans/upload</c> (201 Created).</summary>
public sealed record ScanUploadResponse(Guid ScanId, int FindingsReceived, string? Url = null);

/// <summary>One triage decision: the value's hash and shape, never the value.</summary>
public sealed record FeedbackItem
{
    public required string ValueHash { get; init; }

    public required string ValuePattern { get; init; }

    public required bool IsTruePositive { get; init; }

    public string? RuleId { get; init; }

    public string? Reason { get; init; }
}

/// <summary>Body of <c>POST /api/feedback</c> (seed 01 <c>feedback_submissions</c> with its items).</summary>
public sealed record FeedbackSubmission
{
    /// <summary>SHA-256 hex of a random per-installation id: anonymous, but stable per client.</summary>
    public required string ClientId { get; init; }

    public ToolInfo? Tool { get; init; }

    public required int TotalDetected { get; init; }

    public required int ConfirmedSecrets { get; init; }

    public required int FalsePositives { get; init; }

    public required IReadOnlyList<FeedbackItem> Items { get; init; }
}

/// <summary>Response of <c>POST /api/feedback</c> (202 Accepted).</summary>
public sealed record FeedbackResponse(Guid SubmissionId, int ItemsAccepted);
