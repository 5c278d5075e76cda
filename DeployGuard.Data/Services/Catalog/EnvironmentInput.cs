using System.ComponentModel.DataAnnotations;
using DeployGuard.Data.Configurations;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;

namespace DeployGuard.Data.Services.Catalog;

public sealed class EnvironmentInput : IValidatableObject
{
    [Required(ErrorMessage = "Name is required.")]
    [StringLength(FieldLengths.ShortName, ErrorMessage = "Name must be at most {1} characters.")]
    [RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9 _-]*$", ErrorMessage = "Name uses letters, digits, spaces, '_' and '-' (like Staging or prod-eu).")]
    public string Name { get; set; } = "";

    [StringLength(FieldLengths.Description, ErrorMessage = "Description must be at most {1} characters.")]
    public string? Description { get; set; }

    public EnvironmentType Type { get; set; } = EnvironmentType.Development;

    [Range(0, 1000, ErrorMessage = "Order must be between {1} and {2}.")]
    public int SortOrder { get; set; }

    public bool IsProtected { get; set; }

    [Range(0, 10, ErrorMessage = "Required approvals must be between {1} and {2}.")]
    public int RequiredApprovals { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Type))
        {
            yield return new ValidationResult("Unknown environment type.", [nameof(Type)]);
        }

        if (IsProtected && RequiredApprovals < 1)
        {
            yield return new ValidationResult("A protected environment needs at least one approval.", [nameof(RequiredApprovals)]);
        }
    }
}

public sealed record EnvironmentRow(Guid Id, string Name, string? Description, EnvironmentType Type, int SortOrder, bool IsProtected,
    int RequiredApprovals, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public EnvironmentInput ToInput() => new()
    {
        Name = Name, Description = Description, Type = Type, SortOrder = SortOrder, IsProtected = IsProtected, RequiredApprovals = RequiredApprovals,
    };
}

public sealed record EnvironmentQuery : ListQuery
{
    public EnvironmentType? Type { get; init; }
}
