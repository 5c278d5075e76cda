using Bunit;
using DeployGuard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace DeployGuard.Tests.Components;

/// <summary>The debounced search field: one report per pause in typing, Enter reports at once.</summary>
public sealed class SearchBoxTests : ComponentTestBase
{
    private readonly List<string?> _reported = [];

    [Fact]
    public void Input_TypingWithoutPause_ReportsNothingYet()
    {
        var cut = RenderSearchBox();

        cut.Find("input").Input("pay");
        Clock.Advance(TimeSpan.FromMilliseconds(299));

        Assert.Empty(_reported);
    }

    [Fact]
    public void Input_SeveralKeystrokesThenPause_ReportsOnlyTheLastText()
    {
        var cut = RenderSearchBox();
        var input = cut.Find("input");

        input.Input("p");
        Clock.Advance(TimeSpan.FromMilliseconds(200));
        input.Input("pa");
        Clock.Advance(TimeSpan.FromMilliseconds(200));
        input.Input("pay");
        Clock.Advance(TimeSpan.FromMilliseconds(300));

        cut.WaitForAssertion(() => Assert.Equal(["pay"], _reported));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["pay"], _reported);
    }

    [Fact]
    public void KeyDown_Enter_ReportsImmediatelyAndOnlyOnce()
    {
        var cut = RenderSearchBox();
        var input = cut.Find("input");

        input.Input("api");
        input.KeyDown(new KeyboardEventArgs { Key = "Enter" });

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
        cut.Find("input").Input("gone");

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

    private IRenderedComponent<SearchBox> RenderSearchBox() => Render<SearchBox>(p => p
        .Add(c => c.Placeholder, "Search teams")
        .Add(c => c.Changed, EventCallback.Factory.Create<string?>(this, text => _reported.Add(text))));
}
