using DeployGuard.Data.Services.Email;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Email;
using MailKit.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DeployGuard.Tests.Web.Email;

/// <summary>Mail through MailKit against a real SMTP server on loopback; without a host, into the outbox.</summary>
public sealed class EmailSenderTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string User = "deployguard-mailer";
    private const string Password = "smtp-pass-2026";

    private EmailSender Sender(SmtpOptions options) => new(Options.Create(options), db.Get<OutboxService>(), NullLogger<EmailSender>.Instance);

    private static SmtpOptions To(LoopbackSmtpServer server, bool pin = true, bool signIn = true) => new()
    {
        Host = "localhost", Port = server.Port, EnableSsl = true, From = "deployguard@test.local",
        UserName = signIn ? User : null, Password = signIn ? Password : null, CertificateSha256 = pin ? server.CertificateSha256 : null,
    };

    private static string Recipient() => $"someone-{Guid.NewGuid():N}@test.local";

    private async Task<int> OutboxCountAsync(string recipient) => (await db.Get<OutboxService>().ListAsync(recipient, 0, 10)).Total;

    [Fact]
    public async Task SendAsync_StartTlsAndSignIn_DeliversOverTlsAsTheUser()
    {
        await using var server = new LoopbackSmtpServer(account: (User, Password));
        var recipient = Recipient();

        await Sender(To(server)).SendAsync(recipient, "Approval needed: payment-api 2.0.0", "<p>Please <b>approve</b>.</p>");

        var mail = Assert.Single(server.Received);
        Assert.Equal("deployguard@test.local", mail.From);
        Assert.Equal([recipient], mail.To);
        Assert.True(mail.OverTls);
        Assert.Equal(User, mail.AuthenticatedAs);
        Assert.Contains("Subject: Approval needed: payment-api 2.0.0", mail.Data);
        Assert.Contains("Content-Type: text/html", mail.Data);
        Assert.Contains("<p>Please <b>approve</b>.</p>", mail.Data);
        // Signed in only after STARTTLS: no AUTH line came before it.
        var commands = server.Commands.ToList();
        Assert.True(commands.FindIndex(c => c.StartsWith("STARTTLS", StringComparison.OrdinalIgnoreCase))
                    < commands.FindIndex(c => c.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(0, await OutboxCountAsync(recipient));
    }

    [Fact]
    public async Task SendAsync_ServerOffersNoStartTls_RefusesAndNeverSendsThePassword()
    {
        await using var server = new LoopbackSmtpServer(offerStartTls: false, account: (User, Password));

        await Assert.ThrowsAsync<NotSupportedException>(() => Sender(To(server)).SendAsync(Recipient(), "s", "<p>b</p>"));

        Assert.DoesNotContain(server.Commands, c => c.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(server.Received);
    }

    [Fact]
    public async Task SendAsync_SelfSignedCertificateNotPinned_RefusedBeforeSignIn()
    {
        await using var server = new LoopbackSmtpServer(account: (User, Password));

        await Assert.ThrowsAsync<SslHandshakeException>(() => Sender(To(server, pin: false)).SendAsync(Recipient(), "s", "<p>b</p>"));

        Assert.DoesNotContain(server.Commands, c => c.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(server.Received);
    }

    [Fact]
    public async Task SendAsync_WrongPassword_FailsAndDeliversNothing()
    {
        await using var server = new LoopbackSmtpServer(account: (User, Password));
        var options = To(server);
        options.Password = "wrong";

        await Assert.ThrowsAsync<AuthenticationException>(() => Sender(options).SendAsync(Recipient(), "s", "<p>b</p>"));

        Assert.Empty(server.Received);
    }

    [Fact]
    public async Task SendAsync_TlsOffAndNoSignIn_DeliversInPlainText()
    {
        await using var server = new LoopbackSmtpServer();
        var options = To(server, signIn: false);
        options.EnableSsl = false;
        var recipient = Recipient();

        await Sender(options).SendAsync(recipient, "Deployment finished", "<p>done</p>");

        var mail = Assert.Single(server.Received);
        Assert.False(mail.OverTls);
        Assert.Null(mail.AuthenticatedAs);
        Assert.Equal([recipient], mail.To);
    }

    [Fact]
    public async Task SendAsync_NewLinesInSubject_CannotAddHeadersOrRecipients()
    {
        await using var server = new LoopbackSmtpServer(account: (User, Password));
        var recipient = Recipient();

        await Sender(To(server)).SendAsync(recipient, "Hello\r\nBcc: attacker@evil.test\r\n\r\n<p>forged</p>", "<p>real</p>");

        var mail = Assert.Single(server.Received);
        Assert.Equal([recipient], mail.To);
        Assert.DoesNotContain(mail.Data.Split("\r\n"), l => l.StartsWith("Bcc:", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SendAsync_NoHost_KeepsTheMailInTheOutbox()
    {
        var recipient = Recipient();

        await Sender(new SmtpOptions()).SendAsync(recipient, "Reset your password", "<p>link</p>");

        Assert.Equal(1, await OutboxCountAsync(recipient));
    }

    [Theory]
    [InlineData(true, 587, SecureSocketOptions.StartTls)]
    [InlineData(true, 25, SecureSocketOptions.StartTls)]
    [InlineData(true, 465, SecureSocketOptions.SslOnConnect)]
    [InlineData(false, 465, SecureSocketOptions.None)]
    [InlineData(false, 25, SecureSocketOptions.None)]
    public void Security_EnableSslAndPort_RequiresTlsWhenOn(bool enableSsl, int port, SecureSocketOptions expected) =>
        Assert.Equal(expected, EmailSender.Security(new SmtpOptions { EnableSsl = enableSsl, Port = port }));
}
