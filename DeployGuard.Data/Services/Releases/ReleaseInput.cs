using System.ComponentModel.DataAnnotations;
using DeployGuard.Data.Configurations;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;

namespace DeployGuard.Data.Services.Releases;

public sealed class ReleaseInput
{
    [Required(ErrorMessage = "Choose the service this release belongs to.")]
    public Guid? ServiceId { get; set; }

    [Required(ErrorMessage = "Version is required.")]
    [StringLength(FieldLengths.Version, ErrorMessage = "Version must be at most {1} characters.")]
    [RegularExpression(@"^[0-9A-Za-z][0-9A-Za-z.+_-]*$", ErrorMessage = "Version uses letters, digits, '.', '-', '+' and '_' (like 1.4.0 or 2.0.0-rc.1).")]
    public string Version { get; set; } = "";

    [StringLength(20000, ErrorMessage = "Release notes must be at most {1} characters.")]
    public string? Notes { get; set; }

    [RegularExpression(@"^[0-9a-fA-F]{7,64}$", ErrorMessage = "Commit SHA is 7 to 64 hexadecimal characters.")]
    public string? CommitSha { get; set; }

    [StringLength(FieldLengths.Branch, ErrorMessage = "Branch must be at most {1} characters.")]
    [RegularExpression(@"^[A-Za-z0-9._/-]+$", ErrorMessage = "Branch uses letters, digits, '.', '_', '/' and '-'.")]
    public string? Branch { get; set; }

    [StringLength(FieldLengths.PersonName, ErrorMessage = "Author must be at most {1} characters.")]
    public string? CommitAuthor { get; set; }

    [StringLength(FieldLengths.Description, ErrorMessage = "Commit message must be at most {1} characters.")]
    public string? CommitMessage { get; set; }

    public DateTimeOffset? CommittedAt { get; set; }

    /// <summary>Drafts cannot be deployed until marked ready.</summary>
    public bool IsDraft { get; set; }
}

public sealed record ReleaseRow(Guid Id, Guid ServiceId, string ServiceName, string Version, ReleaseStatus Status, string? Branch,
    string? CommitSha, string? CreatedByName, DateTimeOffset CreatedAt);

public sealed record ReleaseDetail(Guid Id, Guid ServiceId, string ServiceName, string Version, ReleaseStatus Status, string? Notes,
    string NotesHtml, string? CommitSha, string? Branch, string? CommitAuthor, string? CommitMessage, DateTimeOffset? CommittedAt,
    string? CreatedByName, DateTimeOffset CreatedAt, IReadOnlyList<ReleaseEnvironmentRow> Environments);

/// <summary>What happened to a release in one environment: its latest deployment there, and whether it is blocked.</summary>
public sealed record ReleaseEnvironmentRow(Guid EnvironmentId, string EnvironmentName, int SortOrder, bool IsProtected,
    Guid? DeploymentId, DeploymentStatus? Status, DateTimeOffset? At, string? By, int Deployments, string? BlockedReason);

public sealed record ReleaseQuery : ListQuery
{
    public Guid? ServiceId { get; init; }
    public ReleaseStatus? Status { get; init; }
}
