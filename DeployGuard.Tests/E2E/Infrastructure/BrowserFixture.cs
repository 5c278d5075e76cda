using Microsoft.Playwright;

namespace DeployGuard.Tests.E2E.Infrastructure;

/// <summary>One headless Chromium (Debian's /usr/bin/chromium, never a downloaded one) per E2E collection.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private BrowserSession? _session;

    public IBrowser Browser => _session?.Browser ?? throw new InvalidOperationException("The browser has not started.");

    public async Task InitializeAsync() => _session = await BrowserSession.LaunchAsync();

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class E2ECollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "e2e";
}
