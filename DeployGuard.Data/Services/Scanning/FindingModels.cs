using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;

namespace DeployGuard.Data.Services.Scanning;

public sealed record FindingRow(Guid Id, Guid JobId, string SourceUrl, string RuleId, string SecretType, string Severity, string RedactedPreview,
    string ValuePattern, string SecretValueHash, string FilePath, int Line, int Column, string? CommitSha, string? Author, DateTimeOffset? CommittedAt,
    FindingStatus Status, string? TriageReason, string? TriagedBy, DateTimeOffset? TriagedAt, bool SelectedForCleaning, bool Suppressed,
    string? SuppressionReason, DateTimeOffset FirstSeenAt);

public sealed record FindingQuery : ListQuery
{
    public Guid? JobId { get; init; }
    public FindingStatus? Status { get; init; }
    public string? RuleId { get; init; }
    public string? SecretType { get; init; }
    /// <summary>null: everything; false: only findings that were not suppressed; true: only suppressed ones.</summary>
    public bool? Suppressed { get; init; } = false;
}

public sealed record FindingGroup(string Key, int Count, int Open);

public enum FindingGrouping
{
    Rule,
    File,
}

public sealed record PatternRow(Guid Id, string Pattern, double Confidence, int SampleCount, int FalsePositiveCount, string Reason,
    DateTimeOffset UpdatedAt, bool Suppressing);

/// <summary>A learned false-positive pattern as the scanner consumes it.</summary>
public sealed record LearnedPattern(string Pattern, double Confidence, string Reason);

/// <summary>One CLI feedback item (seed 01 feedback_items): a hash and a shape, never the value.</summary>
public sealed record FeedbackItemInput(string ValueHash, string ValuePattern, bool IsTruePositive, string? RuleId = null);

public sealed record FeedbackInput(string ClientId, int TotalDetected, IReadOnlyList<FeedbackItemInput> Items);
