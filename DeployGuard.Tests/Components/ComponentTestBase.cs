using Bunit;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Events;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;

namespace DeployGuard.Tests.Components;

/// <summary>
/// One bUnit context per test with MudBlazor and the kit's services, on a hand-moved clock. MudBlazor registers
/// async-only disposables, so the context is disposed with DisposeAsync (IAsyncLifetime).
/// </summary>
public abstract class ComponentTestBase : BunitContext, IAsyncLifetime
{
    protected ComponentTestBase()
    {
        // A deadline, not a delay: WaitForAssertion returns as soon as the assertion holds. Generous for loaded CI machines.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddSingleton<TimeProvider>(Clock);
        // The kit's snackbar settings (position, how many, duplicates), as the app registers them.
        Services.AddMudServices(o => UiKit.ConfigureSnackbars(o.SnackbarConfiguration));
        Services.AddScoped<Notify>();
        Services.AddScoped<Confirm>();
        // The real bus; nothing here publishes to PostgreSQL (DispatchResync stays in the process).
        EventBus = new EventBus(DataSource, [], Clock, NullLogger<EventBus>.Instance);
        Bus = new DeploymentEventBus(EventBus);
        Services.AddSingleton(EventBus);
        Services.AddSingleton(Bus);
        Services.AddSingleton<LiveEvents>();
        // Last: it builds the service provider.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected TestClock Clock { get; } = new();

    protected EventBus EventBus { get; }

    protected DeploymentEventBus Bus { get; }

    private DeploymentsDataSource DataSource { get; } = new("Host=127.0.0.1;Port=1;Timeout=1");

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
