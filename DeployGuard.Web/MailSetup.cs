using DeployGuard.Data.Entities;
using DeployGuard.Data.Settings;
using DeployGuard.Web.Email;
using Microsoft.AspNetCore.Identity;

namespace DeployGuard.Web;

/// <summary>Mail: over SMTP (section <c>Smtp</c>) or into the admin outbox; Identity's messages go the same way.</summary>
internal static class MailSetup
{
    public static void AddMail(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<SmtpOptions>(SmtpOptions.Section);
        services.AddSingleton<EmailSender>();
        services.AddSingleton<IEmailSender<ApplicationUser>>(sp => sp.GetRequiredService<EmailSender>());
    }
}
