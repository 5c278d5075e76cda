using System.ComponentModel.DataAnnotations;
using DeployGuard.Data.Configurations;

namespace DeployGuard.Data.Services.Catalog;

public sealed class TeamInput
{
    [Required(ErrorMessage = "Name is required.")]
    [StringLength(FieldLengths.Name, ErrorMessage = "Name must be at most {1} characters.")]
    [RegularExpression(@"^[\p{L}\p{N}][\p{L}\p{N} ._&-]*$", ErrorMessage = "Name must start with a letter or digit and use letters, digits, spaces, '.', '_', '&' or '-'.")]
    public string Name { get; set; } = "";

    [StringLength(FieldLengths.Description, ErrorMessage = "Description must be at most {1} characters.")]
    public string? Description { get; set; }

    [StringLength(FieldLengths.SlackChannel, ErrorMessage = "Slack channel must be at most {1} characters.")]
    [RegularExpression(@"^#[a-z0-9][a-z0-9._-]*$", ErrorMessage = "Slack channel looks like #team-platform (lowercase, digits, '.', '_', '-').")]
    public string? SlackChannel { get; set; }

    public List<string> MemberIds { get; set; } = [];
}

public sealed record TeamRow(Guid Id, string Name, string? Description, string? SlackChannel, int MemberCount, int ServiceCount, DateTimeOffset CreatedAt);

public sealed record TeamMemberInfo(string UserId, string Name, string? Email);

public sealed record TeamDetail(Guid Id, string Name, string? Description, string? SlackChannel, IReadOnlyList<TeamMemberInfo> Members,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public TeamInput ToInput() => new()
    {
        Name = Name, Description = Description, SlackChannel = SlackChannel, MemberIds = Members.Select(m => m.UserId).ToList(),
    };
}
