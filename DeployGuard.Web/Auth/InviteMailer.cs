using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Web.Email;

namespace DeployGuard.Web.Auth;

/// <summary>An invitation created and sent: the link, and whether it went by mail (else the admin hands it over).</summary>
public sealed record SentInvitation(InvitationRow Invitation, string Link, bool Mailed);

/// <summary>Creates an invitation and mails its link (without a mail server the mail lands in the outbox and the admin sees the link).</summary>
internal sealed class InviteMailer(InvitationService invitations, EmailSender mail)
{
    public async Task<Result<SentInvitation>> InviteAsync(InvitationInput input, Caller caller, Uri baseUri, CancellationToken ct = default)
    {
        var created = await invitations.CreateAsync(input, caller, ct);
        if (!created.Succeeded)
        {
            return created.As<SentInvitation>();
        }

        var (row, token) = (created.Value!.Invitation, created.Value.Token);
        var link = new Uri(baseUri, "Account/Register?invite=" + Uri.EscapeDataString(token)).AbsoluteUri;
        await mail.SendInvitationAsync(row.Email, link, row.Role, row.Teams, row.CreatedByName, row.ExpiresAt, ct);
        return Result<SentInvitation>.Ok(new SentInvitation(row, link, mail.DeliversByMail));
    }
}
