using System.Net;
using System.Text.RegularExpressions;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Components.Account;

/// <summary>Mail the app left in the outbox (no SMTP server in tests), and the links in it.</summary>
internal static partial class Outbox
{
    public static async Task<List<string>> BodiesToAsync(string connectionString, string email) =>
        await Sql.ListAsync<string>(connectionString, "SELECT html_body FROM email_outbox WHERE \"to\" = @e ORDER BY created_at", ("e", email));

    public static async Task<string> LinkToAsync(string connectionString, string email, string containing)
    {
        var bodies = await BodiesToAsync(connectionString, email);
        var link = bodies.SelectMany(b => Href().Matches(b)).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))
            .LastOrDefault(l => l.Contains(containing, StringComparison.Ordinal));
        return link ?? throw new InvalidOperationException($"No mail to {email} links to {containing}: {string.Join(" | ", bodies)}");
    }

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();
}

/// <summary>
/// The default policy (<c>FirstUserOnly</c>) on an empty database: the first account bootstraps as Admin and sees its
/// confirmation link; after that, registration is by invitation. The only test on its database.
/// </summary>
public sealed class FirstUserOnlyRegistrationTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Register_FirstAccountThenAnother_FirstBootstrapsAsAdminThenRegistrationIsClosed()
    {
        var first = TestUsers.NewEmail("first");
        var client = app.NewClient();

        var registered = await RegistrationForms.PostRegisterAsync(client, first);

        // The bootstrap admin: no mail server, so its confirmation link is on the response of its own registration.
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var link = RegistrationForms.ConfirmLinkOn(await registered.Content.ReadAsStringAsync());
        Assert.NotNull(link);
        Assert.Contains("Thank you for confirming", await client.GetStringAsync(new Uri(link).PathAndQuery));
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostLoginAsync(first, TestUsers.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/audit/export.csv")).StatusCode);

        // Everyone after: the page says "by invitation", and a crafted POST creates nothing.
        var visitor = app.NewClient();
        var page = await visitor.GetStringAsync("/Account/Register");
        Assert.Contains("Registration is by invitation", page);
        Assert.DoesNotContain("Input.Password", page);
        var second = TestUsers.NewEmail("second");
        var refused = await RegistrationForms.PostRegisterAsync(visitor, second, tokenFrom: "/Account/Login");
        Assert.NotEqual(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users WHERE email = @e", ("e", second)));
        var roles = await Sql.ListAsync<string>(app.ConnectionString,
            "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id WHERE u.email = @e", ("e", first));
        Assert.Equal([Roles.Admin], roles);
    }
}

/// <summary><c>InviteOnly</c>: not even the first account registers by itself.</summary>
public sealed class InviteOnlyRegistrationTests(InviteOnlyRegistrationTests.Factory app) : IClassFixture<InviteOnlyRegistrationTests.Factory>
{
    public sealed class Factory : WebAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Auth:Registration", "InviteOnly");
        }
    }

    [Fact]
    public async Task Register_EmptyDatabase_IsClosedAndCreatesNothing()
    {
        var client = app.NewClient();

        var page = await client.GetStringAsync("/Account/Register");
        var posted = await RegistrationForms.PostRegisterAsync(client, TestUsers.NewEmail("nobody"), tokenFrom: "/Account/Login");

        Assert.Contains("Registration is by invitation", page);
        Assert.NotEqual(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users"));
    }
}

/// <summary><c>Open</c> with <c>AllowedDomains</c>: anyone at those domains registers, with no role until an admin gives one.</summary>
public sealed class OpenRegistrationTests(OpenRegistrationTests.Factory app) : IClassFixture<OpenRegistrationTests.Factory>, IAsyncLifetime
{
    public sealed class Factory : WebAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Auth:Registration", "Open");
            builder.UseSetting("Auth:AllowedDomains", "test.local, corp.example");
        }
    }

    private string adminEmail = "";

    public async Task InitializeAsync() => adminEmail = (await TestUsers.CreateAsync(app.Services, Roles.Admin)).Email!;

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Register_Open_AccountIsPendingUntilAnAdminGivesItARole()
    {
        var email = TestUsers.NewEmail("pending");
        var client = app.NewClient();

        var registered = await RegistrationForms.PostRegisterAsync(client, email);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        Assert.Equal("/Account/RegisterConfirmation", registered.Headers.Location!.AbsolutePath);
        Assert.DoesNotContain("confirm-link", await client.GetStringAsync(registered.Headers.Location.OriginalString));
        var confirm = await Outbox.LinkToAsync(app.ConnectionString, email, "Account/ConfirmEmail");
        Assert.Contains("An administrator now gives your account a role", await client.GetStringAsync(new Uri(confirm).PathAndQuery));
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostLoginAsync(email, TestUsers.Password)).StatusCode);

        // Pending: every API call is 403, the hub too, and the admin heard about it.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/teams")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/deployments")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/hubs/deployments/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Contains(await Outbox.BodiesToAsync(app.ConnectionString, adminEmail), b => b.Contains(email) && b.Contains("admin/users"));
        var userId = await Sql.ScalarAsync<string>(app.ConnectionString, "SELECT id FROM users WHERE email = @e", ("e", email));
        Assert.Contains(AuditActions.PendingApproval,
            await Sql.ListAsync<string>(app.ConnectionString, "SELECT action FROM audit_logs WHERE resource_id = @id", ("id", userId)));

        var admin = await Sql.ScalarAsync<string>(app.ConnectionString, "SELECT id FROM users WHERE email = @e", ("e", adminEmail));
        var changed = await app.Services.GetRequiredService<UserAdminService>()
            .ChangeRoleAsync(userId, Roles.Viewer, new Caller(admin, adminEmail, [Roles.Admin]));
        Assert.True(changed.Succeeded, changed.Message);
        // The new security stamp signs the old session out; signing in again picks up the role.
        var again = app.NewClient();
        Assert.Equal(HttpStatusCode.Redirect, (await again.PostLoginAsync(email, TestUsers.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/teams")).StatusCode);
    }

    /// <summary>The page's own content (the layout around it carries per-response ids and nonces).</summary>
    private static string MainContent(string html) => Regex.Match(html, "<main[^>]*>(.*)</main>", RegexOptions.Singleline).Groups[1].Value;

    [Fact]
    public async Task Register_AddressOutsideAllowedDomains_IsRefusedAndCreatesNothing()
    {
        var email = $"outsider-{Guid.NewGuid():N}@elsewhere.example";

        var response = await RegistrationForms.PostRegisterAsync(app.NewClient(), email);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("test.local, corp.example only", await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users WHERE email = @e", ("e", email)));
    }

    [Fact]
    public async Task Register_KnownAndUnknownAddresses_GetTheSameAnswer()
    {
        var known = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        var unknown = TestUsers.NewEmail("unknown");

        var forKnown = await RegistrationForms.PostRegisterAsync(app.NewClient(), known.Email!);
        var forUnknown = await RegistrationForms.PostRegisterAsync(app.NewClient(), unknown);
        var pageKnown = await app.NewClient().GetAsync($"/Account/RegisterConfirmation?email={Uri.EscapeDataString(known.Email!)}");
        var pageUnknown = await app.NewClient().GetAsync($"/Account/RegisterConfirmation?email={Uri.EscapeDataString("nobody-" + unknown)}");

        Assert.Equal(forUnknown.StatusCode, forKnown.StatusCode);
        Assert.Equal(forUnknown.Headers.Location, forKnown.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, pageKnown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, pageUnknown.StatusCode);
        var shown = MainContent(await pageKnown.Content.ReadAsStringAsync());
        Assert.Contains("If this address can register", shown);
        Assert.Equal(MainContent(await pageUnknown.Content.ReadAsStringAsync()), shown);
        // The known address's owner is told by mail; no second account exists.
        Assert.Contains(await Outbox.BodiesToAsync(app.ConnectionString, known.Email!), b => b.Contains("already has one"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users WHERE email = @e", ("e", known.Email!)));
    }
}

/// <summary>Invitations: a single-use, 7-day link that creates the account with the role and teams the admin chose.</summary>
public sealed class InvitationTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    private async Task<(Caller Admin, Guid TeamId)> ArrangeAsync()
    {
        var admin = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        var caller = admin.AsCaller(Roles.Admin);
        var team = await app.Services.GetRequiredService<TeamService>()
            .CreateAsync(new TeamInput { Name = $"Invited {Guid.NewGuid():N}"[..20] }, caller);
        return (caller, team.Value!.Id);
    }

    private async Task<SentInvitation> InviteAsync(Caller admin, string email, string role, params Guid[] teams)
    {
        var sent = await app.Services.GetRequiredService<InviteMailer>()
            .InviteAsync(new InvitationInput { Email = email, Role = role, TeamIds = [.. teams] }, admin, new Uri("http://localhost/"));
        Assert.True(sent.Succeeded, sent.Message);
        return sent.Value!;
    }

    [Fact]
    public async Task Register_WithInvitation_CreatesTheAccountWithRoleAndTeamsAndSignsIn()
    {
        var (admin, teamId) = await ArrangeAsync();
        var email = TestUsers.NewEmail("invited");
        var sent = await InviteAsync(admin, email, Roles.Engineer, teamId);
        var path = new Uri(sent.Link).PathAndQuery;
        var client = app.NewClient();

        Assert.False(sent.Mailed);
        Assert.Equal(sent.Link, await Outbox.LinkToAsync(app.ConnectionString, email, "invite="));
        Assert.Contains("You are invited as Engineer", await client.GetStringAsync(path));
        var created = await RegistrationForms.PostRegisterAsync(client, "ignored@elsewhere.example", path: path);

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/teams")).StatusCode);
        var userId = await Sql.ScalarAsync<string>(app.ConnectionString, "SELECT id FROM users WHERE email = @e AND email_confirmed", ("e", email));
        Assert.NotNull(userId);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString,
            "SELECT count(*) FROM team_members WHERE team_id = @t AND user_id = @u", ("t", teamId), ("u", userId)));
        Assert.Equal([Roles.Engineer], await Sql.ListAsync<string>(app.ConnectionString,
            "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = @u", ("u", userId)));
        var actions = await Sql.ListAsync<string>(app.ConnectionString, "SELECT action FROM audit_logs WHERE resource_type = 'invitation' ORDER BY id");
        Assert.Contains(AuditActions.InvitationCreated, actions);
        Assert.Contains(AuditActions.InvitationAccepted, actions);
    }

    [Fact]
    public async Task Register_InvitationUsedTwice_SecondTimeIsRefused()
    {
        var (admin, _) = await ArrangeAsync();
        var sent = await InviteAsync(admin, TestUsers.NewEmail("twice"), Roles.Viewer);
        var path = new Uri(sent.Link).PathAndQuery;
        Assert.Equal(HttpStatusCode.Redirect, (await RegistrationForms.PostRegisterAsync(app.NewClient(), "x@test.local", path: path)).StatusCode);

        var page = await app.NewClient().GetStringAsync(path);

        Assert.Contains("not valid any more", page);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users WHERE email = @e", ("e", sent.Invitation.Email)));
    }

    [Fact]
    public async Task Register_ExpiredOrRevokedInvitation_IsRefusedAndCreatesNothing()
    {
        var (admin, _) = await ArrangeAsync();
        var expired = await InviteAsync(admin, TestUsers.NewEmail("expired"), Roles.Viewer);
        var revoked = await InviteAsync(admin, TestUsers.NewEmail("revoked"), Roles.Viewer);
        await Sql.ExecuteAsync(app.ConnectionString, "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = @id",
            ("id", expired.Invitation.Id));
        Assert.True((await app.Services.GetRequiredService<InvitationService>().RevokeAsync(revoked.Invitation.Id, admin)).Succeeded);

        foreach (var sent in new[] { expired, revoked })
        {
            var path = new Uri(sent.Link).PathAndQuery;
            Assert.Contains("not valid any more", await app.NewClient().GetStringAsync(path));
            await RegistrationForms.PostRegisterAsync(app.NewClient(), sent.Invitation.Email, path: path, tokenFrom: "/Account/Login");
            Assert.Equal(0L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users WHERE email = @e", ("e", sent.Invitation.Email)));
        }
    }

    [Fact]
    public async Task CreateInvitation_NonAdminOrExistingAccount_IsRefused()
    {
        var (admin, _) = await ArrangeAsync();
        var engineer = await TestUsers.CreateAsync(app.Services, Roles.Engineer);
        var invitations = app.Services.GetRequiredService<InvitationService>();

        var byEngineer = await invitations.CreateAsync(new InvitationInput { Email = TestUsers.NewEmail(), Role = Roles.Admin }, engineer.AsCaller(Roles.Engineer));
        var existing = await invitations.CreateAsync(new InvitationInput { Email = engineer.Email!, Role = Roles.Viewer }, admin);
        var badRole = await invitations.CreateAsync(new InvitationInput { Email = TestUsers.NewEmail(), Role = "Root" }, admin);

        Assert.Equal(ResultStatus.Forbidden, byEngineer.Status);
        Assert.True(existing.Errors.ContainsKey("Email"));
        Assert.True(badRole.Errors.ContainsKey("Role"));
    }
}
