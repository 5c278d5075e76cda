using Bunit;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Radzen;

namespace DeployGuard.Tests.Components;

/// <summary>One bUnit context per test with the services the shared components inject, on a hand-moved clock.</summary>
public abstract class ComponentTestBase : BunitContext
{
    protected ComponentTestBase()
    {
        // A deadline, not a delay: WaitForAssertion returns as soon as the assertion holds. Generous for loaded CI machines.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddRadzenComponents();
    }

    protected TestClock Clock { get; } = new();
}
