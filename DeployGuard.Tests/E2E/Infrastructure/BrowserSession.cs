using DeployGuard.Tests.Infrastructure;
using Microsoft.Playwright;

namespace DeployGuard.Tests.E2E.Infrastructure;

/// <summary>The one way tests start Chromium: the system's (never `playwright install`), headless; one context per signed-in person.</summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private BrowserSession(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<BrowserSession> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install it with `apt-get install -y chromium` (scripts/test.sh does this).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic",
            ],
        });
        return new BrowserSession(playwright, browser);
    }

    /// <summary>A new browser context signed in through the real login page.</summary>
    public async Task<IPage> SignInAsync(string baseUrl, string email, string password)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        await SignIn.InBrowserAsync(page, baseUrl, email, password);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}

public static class PageExtensions
{
    /// <summary>Goes to a page and waits until its circuit is interactive (clicks are handled from then on).</summary>
    public static async Task OpenAsync(this IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.Locator("[data-dg-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    public static ILocator Stage(this IPage page, string name) => page.Locator($"li[data-stage='{name}']");

    /// <summary>For diagnosing a failed test: goes to TestResults/ (ignored by git), not to the documentation.</summary>
    public static Task FailureScreenshotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", name), FullPage = true,
        });

    public static async Task ScreenshotAsync(this IPage page, string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeployGuard.sln")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir!.FullName, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }
}
