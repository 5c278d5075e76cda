using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.E2E.Infrastructure;

/// <summary>What most E2E classes need: a fresh database, the app as a real process on it, and a headless Chromium.</summary>
public abstract class AppInBrowserTest : IAsyncLifetime
{
    protected DeploymentTestKit Kit { get; private set; } = default!;

    protected AppProcess App { get; private set; } = default!;

    protected BrowserSession Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Kit = await DeploymentTestKit.CreateAsync();
        App = await AppProcess.StartAsync(Kit.ConnectionString);
        Browser = await BrowserSession.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await App.DisposeAsync();
        await Kit.DisposeAsync();
    }
}
