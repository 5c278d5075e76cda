using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Email;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Text;

namespace DeployGuard.Web.Email;

/// <summary>
/// Identity's mail: over SMTP (MailKit) when configured, otherwise into the outbox table that admins read at
/// /admin/outbox (so password resets work on a machine without mail).
/// </summary>
internal sealed class EmailSender(IOptions<SmtpOptions> options, OutboxService outbox, ILogger<EmailSender> logger)
    : IEmailSender<ApplicationUser>
{
    public bool DeliversByMail => options.Value.IsConfigured;

    // Links arrive HTML-encoded from the account pages (as in the ASP.NET Core template).
    public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) =>
        SendAsync(email, "Confirm your DeployGuard account",
            $"<p>Hello {Html(user.ShownName)},</p><p>Confirm your account by <a href=\"{confirmationLink}\">clicking here</a>.</p>");

    public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) =>
        SendAsync(email, "Reset your DeployGuard password",
            $"<p>Reset your password by <a href=\"{resetLink}\">clicking here</a>. The link works once, within one hour.</p>");

    public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) =>
        SendAsync(email, "Reset your DeployGuard password", $"<p>Reset your password using the following code: {Html(resetCode)}</p>");

    /// <summary>An admin's invitation; the link is HTML-encoded here (it is built by the app, not by an account page).</summary>
    public Task SendInvitationAsync(string email, string link, string role, IReadOnlyList<string> teams, string? invitedBy, DateTimeOffset expiresAt,
        CancellationToken ct = default) =>
        SendAsync(email, "You are invited to DeployGuard",
            $"<p>{Html(invitedBy ?? "An administrator")} invited you to DeployGuard as {Html(role)}" +
            (teams.Count > 0 ? $" in {Html(string.Join(", ", teams))}" : "") + ".</p>" +
            $"<p><a href=\"{Html(link)}\">Create your account</a>. The link works once, until {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.</p>", ct);

    /// <summary>Someone registered with an address that already has an account: tell its owner instead of the visitor.</summary>
    public Task SendAlreadyRegisteredAsync(string email, string signInLink, string resetLink, CancellationToken ct = default) =>
        SendAsync(email, "Someone tried to register with your address",
            $"<p>Somebody tried to create a DeployGuard account with this address, which already has one. If it was you, " +
            $"<a href=\"{Html(signInLink)}\">sign in</a> or <a href=\"{Html(resetLink)}\">reset your password</a>. Otherwise you can ignore this message.</p>", ct);

    /// <summary>Tells an admin that a self-registered account waits for a role.</summary>
    public Task SendPendingApprovalAsync(string adminEmail, string newUser, string usersLink, CancellationToken ct = default) =>
        SendAsync(adminEmail, $"{newUser} waits for approval",
            $"<p>{Html(newUser)} registered and confirmed their address. They cannot see anything until you give them a role on " +
            $"<a href=\"{Html(usersLink)}\">the users page</a>.</p>", ct);

    /// <summary>Any other notification (approvals, deployments).</summary>
    public async Task SendAsync(string to, string subject, string htmlBody, CancellationToken ct = default)
    {
        var smtp = options.Value;
        if (!smtp.IsConfigured)
        {
            await outbox.AddAsync(to, subject, htmlBody, ct);
            logger.LogInformation("No SMTP server configured: mail '{Subject}' to {To} kept in the outbox", subject, to);
            return;
        }

        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart(TextFormat.Html) { Text = htmlBody };

        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, certificate, _, errors) => Trusted(smtp, certificate, errors) };
        await client.ConnectAsync(smtp.Host!, smtp.Port, Security(smtp), ct);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", ct);
        }

        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
        logger.LogInformation("Mail '{Subject}' sent to {To}", subject, to);
    }

    /// <summary>
    /// With TLS on, it is required (no silent fall-back to plain text when a server stops offering STARTTLS):
    /// TLS from the first byte on 465 (SMTPS), STARTTLS on any other port.
    /// </summary>
    internal static SecureSocketOptions Security(SmtpOptions smtp) => smtp switch
    {
        { EnableSsl: false } => SecureSocketOptions.None,
        { Port: 465 } => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    private static bool Trusted(SmtpOptions smtp, X509Certificate? certificate, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None
        || (smtp.CertificateSha256 is { } pinned && certificate is not null
            && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(pinned), certificate.GetCertHash(HashAlgorithmName.SHA256)));

    private static string Html(string value) => HtmlEncoder.Default.Encode(value);
}
