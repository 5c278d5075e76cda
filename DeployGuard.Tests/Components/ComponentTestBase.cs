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
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddRadzenComponents();
    }

    protected TestClock Clock { get; } = new();
}
