using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Data.Services.Common;

/// <summary>Runs DataAnnotations on an input model: the same rules the forms show, enforced on the server.</summary>
public static class InputValidator
{
    public static Dictionary<string, string[]> Validate(object input)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(input, new ValidationContext(input), results, validateAllProperties: true);
        return results
            .SelectMany(r => (r.MemberNames.Any() ? r.MemberNames : [""]).Select(m => (Member: m, r.ErrorMessage)))
            .GroupBy(x => x.Member)
            .ToDictionary(g => g.Key, g => g.Select(x => x.ErrorMessage ?? "Invalid value.").ToArray());
    }

    public static void Add(this Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
}
