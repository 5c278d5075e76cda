using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Accessibility;

/// <summary>
/// Issue 9: the theme follows the person's choice, and "system" follows the operating system's prefers-color-scheme
/// live (the page stays open while the browser's scheme changes): the static account pages as well as the interactive
/// ones. A chosen light or dark does not follow the system.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ThemeTests(BrowserFixture browser, KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    // The body's background in each palette (BrandTheme: Background #f5f6fa light, #14161f dark).
    private const string Light = "rgb(245, 246, 250)";
    private const string Dark = "rgb(20, 22, 31)";

    [Fact]
    public async Task SystemTheme_SchemeChangesWhilePageIsOpen_StaticAndInteractivePagesFollowWithoutReload()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();

        // Signed out, static: the sign-in page.
        await page.GotoAsync("/Account/Login");
        await ExpectBackgroundAsync(page, Light);
        await MarkDocumentAsync(page);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await ExpectBackgroundAsync(page, Dark);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await ExpectBackgroundAsync(page, Light);
        await ExpectSameDocumentAsync(page);

        await SignIn.InBrowserAsync(page, app.BaseUrl, user.Email!, TestUsers.Password);

        // Signed in, static: account management (the layout of the 2FA and password pages too).
        await page.GotoAsync("/Account/Manage/TwoFactorAuthentication");
        await ExpectBackgroundAsync(page, Light);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await ExpectBackgroundAsync(page, Dark);

        // Interactive: opened while the system is dark, then the system changes twice.
        await OpenInteractiveAsync(page, "/deployments");
        await ExpectBackgroundAsync(page, Dark);
        await MarkDocumentAsync(page);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await ExpectBackgroundAsync(page, Light);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await ExpectBackgroundAsync(page, Dark);
        await ExpectSameDocumentAsync(page);
    }

    [Fact]
    public async Task ChosenTheme_SchemeChanges_PagesKeepTheChoiceUntilSystemIsChosenAgain()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await SignIn.InBrowserAsync(page, app.BaseUrl, user.Email!, TestUsers.Password);
        await OpenInteractiveAsync(page, "/deployments");

        // system → light with the theme switch; the system going dark does not change it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Theme: follow the system. Change theme" }).ClickAsync();
        var chosenLight = page.GetByRole(AriaRole.Button, new() { Name = "Theme: light. Change theme" });
        await Expect(chosenLight).ToBeVisibleAsync();
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-dg-scheme", "light");
        await ExpectBackgroundAsync(page, Light);

        // light → dark; the system going light does not change it either.
        await chosenLight.ClickAsync();
        var chosenDark = page.GetByRole(AriaRole.Button, new() { Name = "Theme: dark. Change theme" });
        await Expect(chosenDark).ToBeVisibleAsync();
        await ExpectBackgroundAsync(page, Dark);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-dg-scheme", "dark");
        await ExpectBackgroundAsync(page, Dark);

        // The static account pages keep the chosen dark with the system light.
        await page.GotoAsync("/Account/Manage");
        await ExpectBackgroundAsync(page, Dark);

        // Back on an interactive page: dark → system follows the system (light now, changed while it was not watched).
        await OpenInteractiveAsync(page, "/deployments");
        await ExpectBackgroundAsync(page, Dark);
        await page.GetByRole(AriaRole.Button, new() { Name = "Theme: dark. Change theme" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Theme: follow the system. Change theme" })).ToBeVisibleAsync();
        await ExpectBackgroundAsync(page, Light);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await ExpectBackgroundAsync(page, Dark);
    }

    private async Task<IBrowserContext> NewContextAsync()
    {
        var context = await browser.Browser.NewContextAsync(new()
        {
            BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 }, ColorScheme = ColorScheme.Light,
        });
        context.SetDefaultTimeout(20_000);
        return context;
    }

    private static async Task OpenInteractiveAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.Locator("body[data-interactive=true]").WaitForAsync();
    }

    // A mark in the window's script state: a reload would lose it.
    private static Task MarkDocumentAsync(IPage page) => page.EvaluateAsync("() => { window.dgThemeProbe = 1; }");

    private static async Task ExpectSameDocumentAsync(IPage page) =>
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.dgThemeProbe ?? 0"));

    private static Task ExpectBackgroundAsync(IPage page, string colour) =>
        Expect(page.Locator("body")).ToHaveCSSAsync("background-color", colour);
}
