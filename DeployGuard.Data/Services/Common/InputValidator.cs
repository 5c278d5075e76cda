using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Data.Services.Common;

/// <summary>Runs DataAnnotations on an input model: the same rules the forms show, enforced on the server.</summary>
public static class InputValidator
{
    public static Dictionary<string, string[]> Validate(object input)
    {
        var context = new ValidationContext(input);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(input, context, results, validateAllProperties: true);
        // The validator skips IValidatableObject when any property failed; run it anyway so that every
        // problem is reported at once (skipping the results it already added).
        if (input is IValidatableObject validatable)
        {
            var seen = results.Select(Key).ToHashSet();
            results.AddRange(validatable.Validate(context).Where(r => r != ValidationResult.Success && seen.Add(Key(r))));
        }

        return results
            .SelectMany(r => (r.MemberNames.Any() ? r.MemberNames : [""]).Select(m => (Member: m, r.ErrorMessage)))
            .GroupBy(x => x.Member)
            .ToDictionary(g => g.Key, g => g.Select(x => x.ErrorMessage ?? "Invalid value.").ToArray());
    }

    private static string Key(ValidationResult result) => $"{string.Join(',', result.MemberNames)}|{result.ErrorMessage}";

    public static void Add(this Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
}
