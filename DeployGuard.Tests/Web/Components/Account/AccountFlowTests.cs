using System.Net;
using System.Text.RegularExpressions;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Components.Account;

/// <summary>The registration form, posted as a browser would.</summary>
public static partial class RegistrationForms
{
    /// <param name="tokenFrom">The page to take the antiforgery token from, when the registration page shows no form.</param>
    public static async Task<HttpResponseMessage> PostRegisterAsync(HttpClient client, string email, string? confirm = null, string path = "/Account/Register",
        string? tokenFrom = null)
    {
        var token = await SignIn.AntiforgeryTokenAsync(client, tokenFrom ?? path);
        return await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "register",
            ["__RequestVerificationToken"] = token,
            ["Input.DisplayName"] = "Test Person",
            ["Input.Email"] = email,
            ["Input.Password"] = TestUsers.Password,
            ["Input.ConfirmPassword"] = confirm ?? TestUsers.Password,
        }));
    }

    /// <summary>The confirmation link of the bootstrap account, shown on the registration response itself.</summary>
    public static string? ConfirmLinkOn(string html) =>
        ConfirmLink().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    [GeneratedRegex(""""id="confirm-link"[^>]*href="([^"]+)"""")]
    private static partial Regex ConfirmLink();
}

/// <summary>The app with self-registration open (<c>Auth:Registration=Open</c>): accounts without a role wait for an admin.</summary>
public sealed class OpenRegistrationAppFactory : WebAppFactory
{
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Auth:Registration", "Open");
    }
}

/// <summary>Sign-in, lockout, sign-out and revoked sessions through HTTP.</summary>
public sealed class SignInTests(OpenRegistrationAppFactory app) : IClassFixture<OpenRegistrationAppFactory>
{
    [Fact]
    public async Task Login_BeforeEmailConfirmed_IsRefusedWithAClearMessage()
    {
        await TestUsers.CreateAsync(app.Services, Roles.Admin); // so that this registration is not the bootstrap admin
        var client = app.NewClient();
        var email = TestUsers.NewEmail("unconfirmed");
        Assert.Equal(HttpStatusCode.Redirect, (await RegistrationForms.PostRegisterAsync(client, email)).StatusCode);

        var response = await client.PostLoginAsync(email, TestUsers.Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Confirm your email address before signing in", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/teams")).StatusCode);
    }

    [Fact]
    public async Task Register_PasswordsDiffer_ShowsErrorAndCreatesNoAccount()
    {
        var client = app.NewClient();
        var email = TestUsers.NewEmail("mismatch");

        var response = await RegistrationForms.PostRegisterAsync(client, email, confirm: "Something-else-1!");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("do not match", await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users WHERE email = @e", ("e", email)));
    }

    [Fact]
    public async Task Login_WrongPassword_ShowsErrorAndAuditsTheFailure()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        var client = app.NewClient();

        var response = await client.PostLoginAsync(user.Email!, "Wrong-password-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Invalid login attempt", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/teams")).StatusCode);
        Assert.Equal([AuditActions.SignInFailed], await ActionsAsync(user.Id));
    }

    [Fact]
    public async Task Login_FiveWrongPasswords_LocksTheAccountEvenForTheRightPassword()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        var client = app.NewClient();

        for (var i = 0; i < 5; i++)
        {
            await client.PostLoginAsync(user.Email!, $"Wrong-password-{i}");
        }

        var right = await client.PostLoginAsync(user.Email!, TestUsers.Password);

        // Locked out reads like the throttle an unknown address gets after as many failures (nothing to enumerate).
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Contains("Too many failed sign-ins for this account", await right.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/teams")).StatusCode);
        Assert.Contains(AuditActions.LockedOut, await ActionsAsync(user.Id));
    }

    [Fact]
    public async Task Login_UnknownEmail_IsRefusedAndAuditedWithoutUser()
    {
        var email = TestUsers.NewEmail("ghost");

        var response = await app.NewClient().PostLoginAsync(email, TestUsers.Password);

        Assert.Contains("Invalid login attempt", await response.Content.ReadAsStringAsync());
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString,
            "SELECT count(*) FROM audit_logs WHERE action = @a AND user_id IS NULL AND details->>'email' = @e",
            ("a", AuditActions.SignInFailed), ("e", email)));
    }

    [Fact]
    public async Task Login_Success_StoresOnlyASessionKeyInTheCookie()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        var client = app.NewClient();

        var response = await client.PostLoginAsync(user.Email!, TestUsers.Password);

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("DeployGuard.Auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.True(cookie.Length < 400, $"The cookie should carry a session key, not the ticket: {cookie.Length} chars");
        Assert.Single(await app.Services.GetRequiredService<SessionService>().ListActiveAsync(user.Id));
    }

    [Fact]
    public async Task Logout_SignedIn_EndsTheSession()
    {
        var (client, user) = await app.SignInNewUserAsync(Roles.Viewer);
        var token = await SignIn.AntiforgeryTokenAsync(client, "/");

        var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["returnUrl"] = "",
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Empty(await app.Services.GetRequiredService<SessionService>().ListActiveAsync(user.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/teams")).StatusCode);
        Assert.Contains(AuditActions.SignedOut, await ActionsAsync(user.Id));
    }

    [Fact]
    public async Task Request_SessionRevokedByAdmin_IsUnauthorizedOnTheNextRequest()
    {
        var (client, user) = await app.SignInNewUserAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/teams")).StatusCode);
        var sessions = app.Services.GetRequiredService<SessionService>();
        var session = Assert.Single(await sessions.ListActiveAsync(user.Id));

        Assert.True((await sessions.RevokeAsync(session.Id, Caller.System)).Succeeded);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/teams")).StatusCode);
    }

    [Fact]
    public async Task Request_AccountLockedByAdmin_IsUnauthorizedOnTheNextRequest()
    {
        var (client, user) = await app.SignInNewUserAsync(Roles.Engineer);

        Assert.True((await app.Services.GetRequiredService<UserAdminService>().SetLockedAsync(user.Id, true, Caller.System)).Succeeded);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/services")).StatusCode);
    }

    [Fact]
    public async Task Login_FormPostWithoutAntiforgeryToken_IsRejectedAndSignsNobodyIn()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        var client = app.NewClient();

        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["Input.Email"] = user.Email!, ["Input.Password"] = TestUsers.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await app.Services.GetRequiredService<SessionService>().ListActiveAsync(user.Id));
    }

    [Fact]
    public async Task Page_Anonymous_RedirectsToLogin()
    {
        var response = await app.NewClient().GetAsync("/teams");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.OriginalString);
    }

    private Task<List<string>> ActionsAsync(string userId) =>
        Sql.ListAsync<string>(app.ConnectionString, "SELECT action::text FROM audit_logs WHERE resource_id = @u ORDER BY id", ("u", userId));
}
