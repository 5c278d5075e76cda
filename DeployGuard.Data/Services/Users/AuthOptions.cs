using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace DeployGuard.Data.Services.Users;

/// <summary>Who may create an account without an invitation (<c>Auth:Registration</c>).</summary>
public enum RegistrationPolicy
{
    /// <summary>The first account of an empty installation registers and becomes Admin; everyone after needs an invitation.</summary>
    FirstUserOnly,

    /// <summary>Nobody registers without an invitation, not even the first account (bootstrap with <c>invite create</c>).</summary>
    InviteOnly,

    /// <summary>Anyone (optionally only from <see cref="AuthOptions.AllowedDomains"/>) registers, with no role until an admin assigns one.</summary>
    Open,
}

/// <summary>
/// The <c>Auth</c> settings: registration policy and allowed email domains. Validated on start
/// (<c>AddValidatedOptions</c>): an unknown policy or a domain that is not one stops start-up naming the key.
/// </summary>
public sealed partial class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    public RegistrationPolicy Registration { get; set; } = RegistrationPolicy.FirstUserOnly;

    /// <summary>For <see cref="RegistrationPolicy.Open"/>: comma-separated domains ("example.com, corp.example"); empty allows any.</summary>
    public string? AllowedDomains { get; set; }

    public IReadOnlyList<string> Domains =>
        (AllowedDomains ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(d => d.TrimStart('@').ToLowerInvariant()).ToList();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Domains.FirstOrDefault(d => !DomainName().IsMatch(d)) is { } bad)
        {
            yield return new ValidationResult($"{Section}:{nameof(AllowedDomains)}: '{bad}' is not a domain name (like example.com).", [nameof(AllowedDomains)]);
        }
    }

    /// <summary>Whether <paramref name="email"/> may self-register under the allowed domains.</summary>
    public bool AllowsDomainOf(string email)
    {
        var domains = Domains;
        if (domains.Count == 0)
        {
            return true;
        }

        var at = email.LastIndexOf('@');
        return at > 0 && domains.Contains(email[(at + 1)..].Trim().ToLowerInvariant());
    }

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")]
    private static partial Regex DomainName();
}
