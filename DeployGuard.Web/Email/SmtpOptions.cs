namespace DeployGuard.Web.Email;

/// <summary>Section <c>Smtp</c>. Without a host, mail goes to the admin-visible outbox instead.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public bool EnableSsl { get; set; } = true;
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "deployguard@localhost";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}
