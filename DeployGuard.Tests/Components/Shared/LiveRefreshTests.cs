using Bunit;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>LiveRefresh on the real event bus: a burst of events becomes one refresh after the pause, on the clock.</summary>
public sealed class LiveRefreshTests : ComponentTestBase
{
    private int _refreshes;

    [Fact]
    public void Events_Burst_RefreshOnceAfterTheDebounce()
    {
        RenderLiveRefresh();

        Bus.DispatchResync();
        Bus.DispatchResync();
        Bus.DispatchResync();
        Assert.Single(Clock.PendingDueTimes);
        Clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Equal(0, _refreshes);

        Clock.Advance(TimeSpan.FromMilliseconds(1));

        WaitFor(() => Assert.Equal(1, Volatile.Read(ref _refreshes)));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, Volatile.Read(ref _refreshes));
    }

    [Fact]
    public void Events_AfterARefresh_QueueTheNextOne()
    {
        RenderLiveRefresh();
        Bus.DispatchResync();
        Clock.Advance(TimeSpan.FromMilliseconds(300));
        WaitFor(() => Assert.Equal(1, Volatile.Read(ref _refreshes)));

        Bus.DispatchResync();
        Clock.Advance(TimeSpan.FromMilliseconds(300));

        WaitFor(() => Assert.Equal(2, Volatile.Read(ref _refreshes)));
    }

    [Fact]
    public async Task Dispose_WhileRefreshPending_NeverRefreshesAndUnsubscribes()
    {
        var before = Bus.SubscriberCount;
        RenderLiveRefresh();
        Assert.Equal(before + 1, Bus.SubscriberCount);
        Bus.DispatchResync();

        await DisposeComponentsAsync();
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, _refreshes);
        Assert.Equal(before, Bus.SubscriberCount);
    }

    [Fact]
    public void Refresh_Throws_ReachesThePagesErrorBoundary()
    {
        var cut = Render<ErrorBoundary>(p => p
            .Add(b => b.ChildContent, builder =>
            {
                builder.OpenComponent<LiveRefresh>(0);
                builder.AddComponentParameter(1, nameof(LiveRefresh.Refresh), new EventCallback(null, (Func<Task>)(() => throw new InvalidOperationException("reload broke"))));
                builder.CloseComponent();
            })
            .Add(b => b.ErrorContent, (RenderFragment<Exception>)(ex => b => b.AddMarkupContent(0, $"<p id=error>{ex.Message}</p>"))));

        Bus.DispatchResync();
        Clock.Advance(TimeSpan.FromMilliseconds(300));

        cut.WaitForAssertion(() => Assert.Equal("reload broke", cut.Find("#error").TextContent));
    }

    [Fact]
    public void Refresh_ChangesThePagesState_ThePageRendersIt()
    {
        var cut = Render<CountingPage>();
        Assert.Equal("0", cut.Find("#count").TextContent);

        Bus.DispatchResync();
        Clock.Advance(TimeSpan.FromMilliseconds(300));

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("#count").TextContent));
    }

    [Theory]
    [InlineData(DeploymentEventKind.DeploymentFinished, true)]
    [InlineData(DeploymentEventKind.DeploymentChanged, true)]
    [InlineData(DeploymentEventKind.Resync, true)]
    [InlineData(DeploymentEventKind.LogAppended, false)]
    [InlineData(DeploymentEventKind.StageChanged, false)]
    public void DeploymentLists_Kinds_AcceptOnlyWhatChangesAList(DeploymentEventKind kind, bool accepted)
    {
        Assert.Equal(accepted, LiveFilter.DeploymentLists.Accepts(new DeploymentEvent(kind, Guid.NewGuid())));
    }

    private void RenderLiveRefresh() => Render<LiveRefresh>(p => p.Add(l => l.Refresh, () =>
    {
        Interlocked.Increment(ref _refreshes);
        return Task.CompletedTask;
    }));

    // A page whose refresh handler only changes a field, like a page's LoadAsync: it must render without calling StateHasChanged.
    private sealed class CountingPage : ComponentBase
    {
        private int _count;

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "p");
            builder.AddAttribute(1, "id", "count");
            builder.AddContent(2, _count);
            builder.CloseElement();
            builder.OpenComponent<LiveRefresh>(3);
            builder.AddComponentParameter(4, nameof(LiveRefresh.Refresh), EventCallback.Factory.Create(this, () => _count++));
            builder.CloseComponent();
        }
    }

    private void WaitFor(Action assertion)
    {
        var deadline = DateTime.UtcNow + DefaultWaitTimeout;
        // The refresh runs on the renderer's dispatcher after the timer fired on the test thread: wait for it, bounded.
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Xunit.Sdk.XunitException) when (DateTime.UtcNow < deadline)
            {
                Thread.Yield();
            }
        }
    }
}
