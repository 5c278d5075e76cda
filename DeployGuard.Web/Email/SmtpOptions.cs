using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Web.Email;

/// <summary>Section <c>Smtp</c>. Without a host, mail goes to the admin-visible outbox instead.</summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string Section = "Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>TLS: STARTTLS on the submission port (587, 25), TLS from the first byte on port 465. Required when signing in.</summary>
    public bool EnableSsl { get; set; } = true;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    [Required, EmailAddress]
    public string From { get; set; } = "deployguard@localhost";

    /// <summary>
    /// SHA-256 of the server's certificate (hex), to trust an internal server's self-signed one. Without it the
    /// certificate must be valid for <see cref="Host"/> through the machine's trust store.
    /// </summary>
    [RegularExpression("^[0-9A-Fa-f]{64}$", ErrorMessage = "{0} must be the certificate's SHA-256 in hex (64 characters).")]
    public string? CertificateSha256 { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(UserName) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult($"{Section}:{nameof(UserName)} and {Section}:{nameof(Password)} go together: set both or neither.");
        }

        if (!string.IsNullOrEmpty(UserName) && !EnableSsl)
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(EnableSsl)} is false but {Section}:{nameof(UserName)} is set: the password would cross the network in clear.");
        }
    }
}
