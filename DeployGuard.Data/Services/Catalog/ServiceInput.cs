using System.ComponentModel.DataAnnotations;
using DeployGuard.Data.Configurations;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;

namespace DeployGuard.Data.Services.Catalog;

public sealed class ServiceInput : IValidatableObject
{
    [Required(ErrorMessage = "Name is required.")]
    [StringLength(FieldLengths.Name, ErrorMessage = "Name must be at most {1} characters.")]
    [RegularExpression(@"^[a-z0-9][a-z0-9._-]*$", ErrorMessage = "Name uses lowercase letters, digits, '.', '_' and '-' (like payment-api).")]
    public string Name { get; set; } = "";

    [StringLength(FieldLengths.Description, ErrorMessage = "Description must be at most {1} characters.")]
    public string? Description { get; set; }

    [StringLength(FieldLengths.Url, ErrorMessage = "Repository URL must be at most {1} characters.")]
    public string? RepositoryUrl { get; set; }

    [Required(ErrorMessage = "Default branch is required.")]
    [StringLength(FieldLengths.Branch, ErrorMessage = "Branch must be at most {1} characters.")]
    [RegularExpression(GitRefs.BranchPattern, ErrorMessage = GitRefs.BranchMessage)]
    public string DefaultBranch { get; set; } = "main";

    [StringLength(FieldLengths.Command, ErrorMessage = "Build command must be at most {1} characters.")]
    public string? BuildCommand { get; set; }

    public ServiceRuntime Runtime { get; set; } = ServiceRuntime.Docker;

    public bool AutoDeployEnabled { get; set; }

    [StringLength(FieldLengths.Branch, ErrorMessage = "Branch must be at most {1} characters.")]
    [RegularExpression(GitRefs.BranchPattern, ErrorMessage = GitRefs.BranchMessage)]
    public string? AutoDeployBranch { get; set; }

    public Guid? TeamId { get; set; }

    public string? OwnerId { get; set; }

    /// <summary>Reachable from the internet: its vulnerabilities rank higher (exposure, issue 11).</summary>
    public bool InternetFacing { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(RepositoryUrl) && !GitRefs.IsRepositoryUrl(RepositoryUrl.Trim()))
        {
            yield return new ValidationResult(
                "Repository URL must be an http(s), ssh or git URL (https://github.com/org/repo.git) or git@host:org/repo.git.",
                [nameof(RepositoryUrl)]);
        }

        if (AutoDeployEnabled && string.IsNullOrWhiteSpace(AutoDeployBranch))
        {
            yield return new ValidationResult("Choose the branch that deploys automatically.", [nameof(AutoDeployBranch)]);
        }

        if (!Enum.IsDefined(Runtime))
        {
            yield return new ValidationResult("Unknown runtime.", [nameof(Runtime)]);
        }
    }
}

public static class GitRefs
{
    // git check-ref-format, simplified: no spaces, no '..', no leading '-' or '/', no trailing '/' or '.lock'.
    public const string BranchPattern = @"^(?!-)(?!/)(?!.*\.\.)(?!.*//)(?!.*\.lock$)(?!.*/$)[A-Za-z0-9._/\-]+$";
    public const string BranchMessage = "Branch names use letters, digits, '.', '_', '-' and '/' (like main or release/1.2).";

    public static bool IsRepositoryUrl(string value)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return uri.Scheme is "http" or "https" or "ssh" or "git" or "file" && (uri.Scheme == "file" || !string.IsNullOrEmpty(uri.Host));
        }

        // scp-like syntax: git@github.com:org/repo.git
        return System.Text.RegularExpressions.Regex.IsMatch(value, @"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._/~-]+$");
    }
}

public sealed record ServiceRow(Guid Id, string Name, string? Description, string? RepositoryUrl, string DefaultBranch, ServiceRuntime Runtime,
    bool AutoDeployEnabled, Guid? TeamId, string? TeamName, string? OwnerName, DateTimeOffset CreatedAt);

public sealed record ServiceDetail(Guid Id, string Name, string? Description, string? RepositoryUrl, string DefaultBranch, string? BuildCommand,
    ServiceRuntime Runtime, bool AutoDeployEnabled, string? AutoDeployBranch, Guid? TeamId, string? TeamName, string? OwnerId, string? OwnerName,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool InternetFacing = false)
{
    public ServiceInput ToInput() => new()
    {
        Name = Name, Description = Description, RepositoryUrl = RepositoryUrl, DefaultBranch = DefaultBranch, BuildCommand = BuildCommand,
        Runtime = Runtime, AutoDeployEnabled = AutoDeployEnabled, AutoDeployBranch = AutoDeployBranch, TeamId = TeamId, OwnerId = OwnerId,
        InternetFacing = InternetFacing,
    };
}

public sealed record ServiceQuery : ListQuery
{
    public Guid? TeamId { get; init; }
    public ServiceRuntime? Runtime { get; init; }
}
