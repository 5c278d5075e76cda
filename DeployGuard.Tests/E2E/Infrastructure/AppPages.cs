using DeployGuard.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Infrastructure;

/// <summary>Steps every end-to-end test needs: register, confirm, sign in, wait for the circuit.</summary>
public sealed class AppPages(IPage page, string baseUrl)
{
    public IPage Page => page;

    /// <summary>Navigates and waits until the Blazor circuit is up (prerendered buttons do nothing before).</summary>
    public async Task GoAsync(string path)
    {
        await page.GotoAsync(baseUrl + path);
        await page.Locator("body[data-interactive=true]").WaitForAsync();
    }

    /// <summary>Registers the bootstrap admin and confirms it through the link its registration page shows (no mail server).</summary>
    public async Task RegisterAsync(string email, string password, string? name = null)
    {
        await page.GotoAsync(baseUrl + "/Account/Register");
        if (name is not null)
        {
            await page.GetByLabel("Your name (optional)").FillAsync(name);
        }

        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Confirm my account" }).ClickAsync();
        await Expect(page.GetByText("Thank you for confirming your email.")).ToBeVisibleAsync();
    }

    /// <summary>As an admin on /admin/users: invites <paramref name="email"/> and returns the link the page shows (no mail server).</summary>
    public async Task<string> InviteAsync(string email, string role, params string[] teams)
    {
        await GoAsync("/admin/users");
        await page.Locator("#invite-email").FillAsync(email);
        // A MudSelect: open it, pick the role from its list.
        await page.GetByTestId("invite-role").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = role, Exact = true }).ClickAsync();
        foreach (var team in teams)
        {
            await page.GetByRole(AriaRole.Checkbox, new() { Name = team }).CheckAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Send invitation" }).ClickAsync();
        var link = page.Locator("#invite-link");
        await Expect(link).ToBeVisibleAsync();
        return (await link.TextContentAsync())!.Trim();
    }

    /// <summary>Opens an invitation link, sets a name and password, and lands signed in.</summary>
    public async Task AcceptInvitationAsync(string link, string password, string? name = null)
    {
        await page.GotoAsync(link);
        await Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = new System.Text.RegularExpressions.Regex("^You are invited as") })).ToBeVisibleAsync();
        if (name is not null)
        {
            await page.GetByLabel("Your name (optional)").FillAsync(name);
        }

        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
        await page.Locator("body[data-interactive=true]").WaitForAsync();
    }

    public async Task SignInAsync(string email, string password)
    {
        await SignIn.InBrowserAsync(page, baseUrl, email, password);
        await page.Locator("body[data-interactive=true]").WaitForAsync();
    }

    /// <summary>
    /// Headers for calling the API with this browser's session cookie, as a script on one of its pages would: the session's
    /// antiforgery token (from a form of the account pages), without which a change made with the cookie is refused.
    /// </summary>
    public async Task<Dictionary<string, string>> SessionApiHeadersAsync()
    {
        await page.GotoAsync(baseUrl + "/Account/Manage");
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        return new Dictionary<string, string> { [SignIn.AntiforgeryHeader] = token! };
    }

    public async Task SignOutAsync()
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "User menu" }).ClickAsync();
        await page.GetByText("Sign out").ClickAsync();
        // Signing out lands on "/", which sends the now anonymous browser on to the login page: wait for the end
        // of that chain, or the next navigation races it (and posts a form rendered for the signed-in user).
        await page.WaitForURLAsync(url => url.Contains("/Account/Login"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).WaitForAsync();
    }

    /// <summary>Saves a screenshot under TestResults/screenshots (kept by CI) and, when asked, under docs/screenshots.</summary>
    public async Task ScreenshotAsync(string name, bool forDocs = false)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png") });
        if (forDocs && RepositoryRoot() is { } root)
        {
            var docs = Path.Combine(root, "docs", "screenshots");
            Directory.CreateDirectory(docs);
            await page.ScreenshotAsync(new() { Path = Path.Combine(docs, name + ".png") });
        }
    }

    /// <summary>Runs a test body; on failure keeps a screenshot of the page to look at.</summary>
    public async Task RunAsync(string testName, Func<Task> body, params AppPages[] others)
    {
        try
        {
            await body();
        }
        catch
        {
            await ScreenshotAsync("FAILED-" + testName);
            for (var i = 0; i < others.Length; i++)
            {
                await others[i].ScreenshotAsync($"FAILED-{testName}-{i + 2}");
            }

            throw;
        }
    }

    private static string? RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeployGuard.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName;
    }
}
