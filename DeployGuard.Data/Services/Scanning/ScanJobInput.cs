using System.ComponentModel.DataAnnotations;
using DeployGuard.Data.Configurations;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;

namespace DeployGuard.Data.Services.Scanning;

public sealed class ScanJobInput : IValidatableObject
{
    public SourcePlatform SourcePlatform { get; set; } = SourcePlatform.GitHub;

    [Required(ErrorMessage = "Give the repository URL or, for a local repository, its path.")]
    [StringLength(FieldLengths.Url, ErrorMessage = "At most {1} characters.")]
    public string SourceUrl { get; set; } = "";

    [StringLength(FieldLengths.Branch, ErrorMessage = "Branch must be at most {1} characters.")]
    [RegularExpression(GitRefs.BranchPattern, ErrorMessage = GitRefs.BranchMessage)]
    public string? Branch { get; set; }

    /// <summary>For private repositories. Stored encrypted, never shown again.</summary>
    [StringLength(500, ErrorMessage = "At most {1} characters.")]
    public string? AccessToken { get; set; }

    public Guid? ServiceId { get; set; }

    [RegularExpression("^[0-9a-fA-F]{7,64}$", ErrorMessage = "A commit is 7 to 64 hexadecimal characters.")]
    public string? CommitSha { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(SourcePlatform))
        {
            yield return new ValidationResult("Unknown platform.", [nameof(SourcePlatform)]);
        }
        else if (SourcePlatform == SourcePlatform.Local)
        {
            if (!Path.IsPathFullyQualified(SourceUrl.Trim()))
            {
                yield return new ValidationResult("A local repository is an absolute path on the server, like /srv/git/app.", [nameof(SourceUrl)]);
            }
        }
        else if (!GitRefs.IsRepositoryUrl(SourceUrl.Trim()) || SourceUrl.Trim().StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult("Give an https or ssh clone URL, like https://github.com/org/repo.git.", [nameof(SourceUrl)]);
        }
    }
}

public sealed record ScanJobRow(Guid Id, SourcePlatform SourcePlatform, string SourceUrl, string? Branch, string? ServiceName, Guid? ServiceId,
    string? CommitSha, ScanStatus Status, int CommitsTotal, int CommitsDone, int FilesTotal, int FilesDone, int TotalSecretsFound, int SuppressedCount,
    string? ErrorMessage, string? CreatedByName, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, long? DurationMs,
    bool HasAccessToken)
{
    /// <summary>0..100 for the progress bar: commits when history is being walked, files otherwise.</summary>
    public double Percent => Status == ScanStatus.Completed ? 100
        : CommitsTotal > 0 ? 100.0 * CommitsDone / CommitsTotal
        : FilesTotal > 0 ? 100.0 * FilesDone / FilesTotal
        : 0;
}

public sealed record ScanJobQuery : ListQuery
{
    public ScanStatus? Status { get; init; }
    public Guid? ServiceId { get; init; }
}

/// <summary>A scan that ran elsewhere (the CLI), as uploaded.</summary>
public sealed record UploadedScan(SourcePlatform Platform, string Source, string? Branch, string? CommitSha, string? ServiceName, int Commits, int Files,
    DateTimeOffset StartedAt, DateTimeOffset CompletedAt);
