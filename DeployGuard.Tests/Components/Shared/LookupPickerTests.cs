using Bunit;
using Bunit.Rendering;
using DeployGuard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>The kit's picker for long lists: it asks the search for what was typed, picks an id, and names an id it was given.</summary>
public sealed class LookupPickerTests : ComponentTestBase
{
    private static readonly Lookup Payment = new(Guid.NewGuid(), "payment-api");
    private static readonly Lookup Gateway = new(Guid.NewGuid(), "api-gateway");
    private readonly List<string?> _searches = [];

    [Fact]
    public void Typing_AsksTheSearch_PickingAnOptionReportsItsId()
    {
        Guid? picked = null;
        var cut = RenderWithPopovers(changed: id => picked = id);

        cut.Find("input").Input("pay");
        // MudAutocomplete debounces typing on the injected TimeProvider (the test clock).
        cut.WaitForAssertion(() => Assert.NotEmpty(Clock.PendingDueTimes));
        Clock.Advance(TimeSpan.FromMilliseconds(250));

        cut.WaitForAssertion(() => Assert.Equal(["payment-api"], cut.FindAll(".mud-popover-open .mud-list-item").Select(i => i.TextContent.Trim())));
        Assert.Contains("pay", _searches);
        cut.Find(".mud-popover-open .mud-list-item").Click();
        cut.WaitForAssertion(() => Assert.Equal(Payment.Id, picked));
    }

    [Fact]
    public void Typing_NothingMatches_SaysSo()
    {
        var cut = RenderWithPopovers(noMatch: "No service matches");

        cut.Find("input").Input("zzz");
        cut.WaitForAssertion(() => Assert.NotEmpty(Clock.PendingDueTimes));
        Clock.Advance(TimeSpan.FromMilliseconds(250));

        cut.WaitForAssertion(() => Assert.Contains("No service matches", cut.Markup));
        Assert.Contains("zzz", _searches);
        Assert.Empty(cut.FindAll(".mud-popover-open .mud-list-item"));
    }

    [Fact]
    public void Render_ValueNotSeenInASearch_ShowsTheNameFindReturns()
    {
        var cut = Render<LookupPicker>(p => p
            .Add(l => l.Label, "Service")
            .Add(l => l.Value, Gateway.Id)
            .Add(l => l.Search, SearchAsync)
            .Add(l => l.Find, (id, _) => Task.FromResult<Lookup?>(id == Gateway.Id ? Gateway : null)));

        cut.WaitForAssertion(() => Assert.Equal("api-gateway", cut.Find("input").GetAttribute("value")));
        Assert.Empty(_searches);
    }

    // The popover provider in the same tree as the picker, as in the app's layout: the options render there.
    private IRenderedComponent<ContainerFragment> RenderWithPopovers(Action<Guid?>? changed = null, string noMatch = "Nothing matches") =>
        Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<LookupPicker>(1);
            builder.AddComponentParameter(2, nameof(LookupPicker.Label), "Service");
            builder.AddComponentParameter(3, nameof(LookupPicker.Search), (Func<string?, CancellationToken, Task<IReadOnlyList<Lookup>>>)SearchAsync);
            builder.AddComponentParameter(4, nameof(LookupPicker.NoMatchText), noMatch);
            builder.AddComponentParameter(5, nameof(LookupPicker.ValueChanged), EventCallback.Factory.Create<Guid?>(this, id => changed?.Invoke(id)));
            builder.CloseComponent();
        });

    private Task<IReadOnlyList<Lookup>> SearchAsync(string? text, CancellationToken ct)
    {
        _searches.Add(text);
        IReadOnlyList<Lookup> found = new[] { Payment, Gateway }.Where(l => text is null || l.Name.Contains(text, StringComparison.Ordinal)).ToList();
        return Task.FromResult(found);
    }
}
