using System.Net;
using System.Text.RegularExpressions;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Components.Account;

/// <summary>
/// Registration through the real forms on an empty database: the first account becomes Admin. The only
/// test on its database, so that nothing registers before it.
/// </summary>
public sealed partial class FirstAccountTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Register_FirstThenSecondAccount_FirstIsAdminSecondIsViewer()
    {
        var first = await RegisterConfirmAndSignInAsync(TestUsers.NewEmail("first"));
        var second = await RegisterConfirmAndSignInAsync(TestUsers.NewEmail("second"));

        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/audit/export.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await second.GetAsync("/api/audit/export.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/teams")).StatusCode);
        var actions = await Sql.ListAsync<string>(app.ConnectionString, "SELECT action::text FROM audit_logs ORDER BY id");
        Assert.Equal(2, actions.Count(a => a == AuditActions.UserRegistered));
        Assert.Equal(2, actions.Count(a => a == AuditActions.RoleChanged));
        Assert.Equal(2, actions.Count(a => a == AuditActions.SignInSucceeded));
    }

    internal async Task<HttpClient> RegisterConfirmAndSignInAsync(string email)
    {
        var client = app.NewClient();
        var registered = await PostRegisterAsync(client, email);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);

        var confirmation = await client.GetStringAsync(registered.Headers.Location!.OriginalString);
        var link = WebUtility.HtmlDecode(ConfirmLink().Match(confirmation).Groups[1].Value);
        Assert.StartsWith("http", link);
        var confirmed = await client.GetStringAsync(new Uri(link).PathAndQuery);
        Assert.Contains("Thank you for confirming your email", confirmed);

        var signedIn = await client.PostLoginAsync(email, TestUsers.Password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return client;
    }

    internal static async Task<HttpResponseMessage> PostRegisterAsync(HttpClient client, string email, string? confirm = null)
    {
        var token = await SignIn.AntiforgeryTokenAsync(client, "/Account/Register");
        return await client.PostAsync("/Account/Register", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "register",
            ["__RequestVerificationToken"] = token,
            ["Input.DisplayName"] = "Test Person",
            ["Input.Email"] = email,
            ["Input.Password"] = TestUsers.Password,
            ["Input.ConfirmPassword"] = confirm ?? TestUsers.Password,
        }));
    }

    [GeneratedRegex(""""id="confirm-link"[^>]*href="([^"]+)"""")]
    private static partial Regex ConfirmLink();
}

/// <summary>Sign-in, lockout, sign-out and revoked sessions through HTTP.</summary>
public sealed class SignInTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Login_BeforeEmailConfirmed_IsRefusedWithAClearMessage()
    {
        var client = app.NewClient();
        var email = TestUsers.NewEmail("unconfirmed");
        Assert.Equal(HttpStatusCode.Redirect, (await FirstAccountTests.PostRegisterAsync(client, email)).StatusCode);

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

        var response = await FirstAccountTests.PostRegisterAsync(client, email, confirm: "Something-else-1!");

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

        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Contains("Account/Lockout", right.Headers.Location!.OriginalString);
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
