using System.Text.Json.Serialization;

namespace DeployGuard.Data.Entities;

/// <summary>A version of a service that can be deployed (seed 05 releases, with seed 04's commit details).</summary>
public class Release : IAuditableEntity
{
    public Guid Id { get; set; }
    public Guid ServiceId { get; set; }
    public Service? Service { get; set; }
    public string Version { get; set; } = "";
    /// <summary>The version encoded so that ordinal (COLLATE "C") order is semantic-version order; see <c>VersionKey</c>.</summary>
    public string VersionSortKey { get; set; } = "";
    public ReleaseStatus Status { get; set; } = ReleaseStatus.Ready;
    /// <summary>Markdown; rendered with raw HTML disabled.</summary>
    public string? Notes { get; set; }
    public string? CommitSha { get; set; }
    public string? Branch { get; set; }
    public string? CommitAuthor { get; set; }
    public string? CommitMessage { get; set; }
    public DateTimeOffset? CommittedAt { get; set; }
    public string? CreatedById { get; set; }
    /// <summary>Kept as text so the release still says who made it after the account is deleted.</summary>
    public string? CreatedByName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ReleaseStatus>))]
public enum ReleaseStatus
{
    Draft,
    Ready,
    Deploying,
    Deployed,
    Failed,
    RolledBack,
    Superseded,
}
