using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using DeployGuard.Web.Commands;
using Microsoft.Playwright;

namespace DeployGuard.Tests.E2E.Accessibility;

/// <summary>
/// Issue 9: axe-core on every page, signed in as an admin on seed-demo's data, in the light and the dark theme. Any
/// serious or critical violation fails the test; the message names the page, the theme, the rule and the elements.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser, KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    private static readonly string[] Failing = ["serious", "critical"];

    [Fact]
    public async Task EveryPage_BothThemesWithDemoData_NoSeriousOrCriticalViolations()
    {
        using var repositories = new TempFolder();
        await DemoSeeder.SeedAsync(app.Services, Path.Combine(repositories.Path, "payment-api"));
        var pages = await PagesAsync();

        var problems = new StringBuilder();
        foreach (var theme in new[] { "light", "dark" })
        {
            await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
            context.SetDefaultTimeout(20_000);
            var signedIn = await context.NewPageAsync();
            await SignIn.InBrowserAsync(signedIn, app.BaseUrl, "admin@deployguard.local", DemoSeeder.Password);
            // After signing in, which sets the cookie from the stored preference.
            await context.AddCookiesAsync([new Cookie { Name = "dg-theme", Value = theme, Url = app.BaseUrl }]);

            await using var signedOut = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
            await signedOut.AddCookiesAsync([new Cookie { Name = "dg-theme", Value = theme, Url = app.BaseUrl }]);
            var anonymous = await signedOut.NewPageAsync();
            signedOut.SetDefaultTimeout(20_000);
            foreach (var (path, page) in pages.Select(p => (p, signedIn)).Concat(SignedOutPages.Select(p => (p, anonymous))))
            {
                await OpenAsync(page, path);
                // The theme really is the one asked for (MudBlazor writes the palette in the page).
                var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
                if (IsDark(background) != (theme == "dark"))
                {
                    problems.AppendLine($"{path} ({theme}): the page is not in the {theme} theme (body background {background})");
                }

                // The tab names the page and the product, as on every other page (the template's account pages did not).
                var title = await page.TitleAsync();
                if (!title.EndsWith(" · DeployGuard", StringComparison.Ordinal))
                {
                    problems.AppendLine($"{path} ({theme}): the title \"{title}\" does not end with \" · DeployGuard\"");
                }

                var result = await page.RunAxe(new AxeRunOptions { ResultTypes = [ResultType.Violations] });
                foreach (var violation in result.Violations.Where(v => Failing.Contains(v.Impact)))
                {
                    problems.AppendLine($"{path} ({theme}): {violation.Impact} {violation.Id}: {violation.Help}");
                    foreach (var node in violation.Nodes.Take(5))
                    {
                        problems.AppendLine($"    {node.Target} {Shorten(node.Html)}");
                    }
                }
            }
        }

        Assert.True(problems.Length == 0, "axe found serious or critical violations:\n" + problems);
    }

    // The account pages one sees signed out (static, no circuit): checked in a context without the sign-in.
    internal static readonly string[] SignedOutPages =
    [
        "/Account/Login", "/Account/Register", "/Account/ForgotPassword", "/Account/ResendEmailConfirmation", "/Account/ForgotPasswordConfirmation",
        "/Account/Lockout", "/Account/AccessDenied", "/Account/InvalidUser", "/Account/InvalidPasswordReset", "/Account/ResetPasswordConfirmation",
        "/Account/RegisterConfirmation",
    ];

    // Every route of the app, the signed-in account pages included (static, no circuit); {…} takes a seed-demo id
    // (PagesAsync). PageCoverageTests fails for a route that is neither here, in SignedOutPages nor in StateOnlyPages.
    internal static readonly string[] SignedInPages =
    [
        "/", "/board", "/releases", "/releases/new", "/releases/{Id:guid}", "/deployments", "/deployments/{Id:guid}", "/approvals",
        "/services", "/services/new", "/services/{Id:guid}", "/services/{Id:guid}/edit", "/services/{Id:guid}/pipeline",
        "/environments", "/environments/new", "/environments/{Id:guid}/edit", "/environments/{Id:guid}/protection",
        "/teams", "/teams/new", "/teams/{Id:guid}", "/teams/{Id:guid}/edit",
        "/scans", "/scans/new", "/scans/{Id:guid}", "/scans/import", "/scans/reports/{Id:guid}", "/findings", "/findings?group=rule", "/findings/patterns",
        "/vulnerabilities", "/vulnerabilities?group=cve", "/vulnerabilities/cve/{Id}",
        "/audit", "/admin/users", "/admin/sessions", "/admin/outbox", "/admin/epss", "/account/preferences", "/account/sessions",
        "/account/tokens", "/not-found", "/Error", "/Account/Manage", "/Account/Manage/Email", "/Account/Manage/ChangePassword",
        "/Account/Manage/TwoFactorAuthentication", "/Account/Manage/PersonalData", "/Account/Manage/EnableAuthenticator",
        "/Account/Manage/ResetAuthenticator", "/Account/Manage/DeletePersonalData",
    ];

    // Pages that need a state the walk cannot be in (a link's code, a half-finished 2FA sign-in, 2FA switched on, no
    // password): opened without it they redirect to a page above, which is checked there.
    internal static readonly Dictionary<string, string> StateOnlyPages = new()
    {
        ["/Account/ConfirmEmail"] = "needs the user id and code of a confirmation link",
        ["/Account/ConfirmEmailChange"] = "needs the code of an email-change link",
        ["/Account/ResetPassword"] = "needs the code of a reset link (without: /Account/InvalidPasswordReset)",
        ["/Account/LoginWith2fa"] = "needs a password sign-in of an account with 2FA",
        ["/Account/LoginWithRecoveryCode"] = "needs a password sign-in of an account with 2FA",
        ["/Account/Manage/Disable2fa"] = "needs 2FA switched on (without: the 2FA page)",
        ["/Account/Manage/GenerateRecoveryCodes"] = "needs 2FA switched on (without: the 2FA page)",
        ["/Account/Manage/SetPassword"] = "for an account without a password (the demo admin has one: the password page)",
    };

    // SignedInPages with seed-demo's ids in place of the route parameters.
    private async Task<string[]> PagesAsync()
    {
        // Uuids and CVE ids alike, as text.
        async Task<string> IdAsync(string sql) => await Sql.ScalarAsync<string>(app.ConnectionString, $"SELECT x::text FROM ({sql}) AS q(x)");

        var ids = new Dictionary<string, string>
        {
            ["/deployments/"] = await IdAsync("SELECT id FROM deployments ORDER BY created_at DESC LIMIT 1"),
            ["/releases/"] = await IdAsync("SELECT id FROM releases ORDER BY created_at DESC LIMIT 1"),
            ["/services/"] = await IdAsync("SELECT id FROM services ORDER BY name LIMIT 1"),
            ["/environments/"] = await IdAsync("SELECT id FROM environments WHERE is_protected LIMIT 1"),
            ["/teams/"] = await IdAsync("SELECT id FROM teams ORDER BY name LIMIT 1"),
            ["/scans/"] = await IdAsync("SELECT id FROM scan_jobs ORDER BY created_at DESC LIMIT 1"),
            ["/scans/reports/"] = await IdAsync("SELECT id FROM scans ORDER BY created_at DESC LIMIT 1"),
            ["/vulnerabilities/cve/"] = Uri.EscapeDataString(await IdAsync("SELECT cve_id FROM vulnerabilities ORDER BY cve_id LIMIT 1")),
        };
        return [.. SignedInPages.Select(route => Fill(route, ids))];
    }

    private static string Fill(string route, Dictionary<string, string> ids)
    {
        var open = route.IndexOf('{');
        return open < 0 ? route : route[..open] + ids[route[..open]] + route[(route.IndexOf('}') + 1)..];
    }

    private static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        // The account pages and the error page are static: no circuit to wait for.
        if (!path.StartsWith("/Account/", StringComparison.Ordinal) && path != "/Error")
        {
            await page.Locator("body[data-interactive=true]").WaitForAsync();
            // Lists load after the first render: check the rows (or the empty state), not the spinner.
            await page.Locator(".dg-loading").First.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        }
    }

    private static bool IsDark(string rgb)
    {
        var parts = rgb[(rgb.IndexOf('(') + 1)..rgb.IndexOf(')')].Split(',').Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (0.2126 * parts[0]) + (0.7152 * parts[1]) + (0.0722 * parts[2]) < 128;
    }

    private static string Shorten(string html) => html.Length <= 160 ? html : html[..160] + "…";
}
