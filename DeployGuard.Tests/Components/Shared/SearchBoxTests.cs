using Bunit;
using DeployGuard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>The debounced search field: one report per pause in typing, Enter reports at once.</summary>
public sealed class SearchBoxTests : ComponentTestBase
{
    private readonly List<string?> _reported = [];

    [Fact]
    public void Input_TypingWithoutPause_ReportsNothingYet()
    {
        var cut = RenderSearchBox();

        Type(cut, "pay");
        Clock.Advance(TimeSpan.FromMilliseconds(299));

        Assert.Empty(_reported);
    }

    [Fact]
    public void Input_SeveralKeystrokesThenPause_ReportsOnlyTheLastText()
    {
        var cut = RenderSearchBox();

        Type(cut, "p");
        Clock.Advance(TimeSpan.FromMilliseconds(200));
        Type(cut, "pa");
        Clock.Advance(TimeSpan.FromMilliseconds(200));
        Type(cut, "pay");
        Clock.Advance(TimeSpan.FromMilliseconds(300));

        cut.WaitForAssertion(() => Assert.Equal(["pay"], _reported));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["pay"], _reported);
    }

    [Fact]
    public void KeyDown_Enter_ReportsImmediatelyAndOnlyOnce()
    {
        var cut = RenderSearchBox();

        Type(cut, "api");
        cut.Find("input").KeyDown(new KeyboardEventArgs { Key = "Enter" });

        cut.WaitForAssertion(() => Assert.Equal(["api"], _reported));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["api"], _reported);
    }

    [Fact]
    public void KeyDown_OtherKey_ReportsNothing()
    {
        var cut = RenderSearchBox();

        cut.Find("input").KeyDown(new KeyboardEventArgs { Key = "a" });

        Assert.Empty(_reported);
    }

    [Fact]
    public async Task Dispose_WhileReportPending_NeverReports()
    {
        var cut = RenderSearchBox();
        Type(cut, "gone");

        await DisposeComponentsAsync();
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(_reported);
    }

    [Fact]
    public void Render_Placeholder_LabelsTheField()
    {
        var cut = RenderSearchBox();

        var input = cut.Find("input");
        Assert.Equal("Search teams", input.GetAttribute("placeholder"));
        Assert.Equal("Search teams", input.GetAttribute("aria-label"));
    }

    /// <summary>
    /// Types and waits until the handler has armed its one debounce timer. bUnit queues an event behind work the
    /// renderer is still doing (a cancelled delay's continuation, say); moving the clock before the handler ran
    /// would fire the previous keystroke's timer, which no user typing at that speed could see.
    /// </summary>
    private void Type(IRenderedComponent<SearchBox> cut, string text)
    {
        cut.Find("input").Input(text);
        var due = Clock.GetUtcNow() + TimeSpan.FromMilliseconds(300);
        cut.WaitForAssertion(() => Assert.Equal([due], Clock.PendingDueTimes));
    }

    private IRenderedComponent<SearchBox> RenderSearchBox() => Render<SearchBox>(p => p
        .Add(c => c.Placeholder, "Search teams")
        .Add(c => c.Changed, EventCallback.Factory.Create<string?>(this, text => _reported.Add(text))));
}
