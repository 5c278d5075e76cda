using DeployGuard.Web.Components.Shared;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>A short list held in full pages, sorts and searches like a server list (GridRequest.PageOf).</summary>
public sealed class GridRequestTests
{
    private sealed record Item(string Name, int Size);

    private static readonly Dictionary<string, Func<Item, object?>> Sorts = new()
    {
        ["Name"] = i => i.Name,
        ["Size"] = i => i.Size,
    };

    private static readonly Item[] Items = Enumerable.Range(1, 30).Select(n => new Item($"item {n:00}", n % 7)).ToArray();

    private static bool Matches(Item item, string text) => item.Name.Contains(text, StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void PageOf_SecondPage_TheRowsOfThatPageAndTheWholeCount()
    {
        var page = new GridRequest { Page = 1, PageSize = 10 }.PageOf(Items, Sorts, Matches);

        Assert.Equal(30, page.Total);
        Assert.Equal(Enumerable.Range(11, 10).Select(n => $"item {n:00}"), page.Items.Select(i => i.Name));
    }

    [Fact]
    public void PageOf_SortedDescending_OrdersByTheColumnsKey()
    {
        var page = new GridRequest { PageSize = 5, SortBy = "Size", Descending = true }.PageOf(Items, Sorts, Matches);

        // Four items have size 6 (6, 13, 20, 27), then the fives.
        Assert.Equal([6, 6, 6, 6, 5], page.Items.Select(i => i.Size));
        Assert.Equal(30, page.Total);
    }

    [Fact]
    public void PageOf_Search_CountsOnlyTheMatches()
    {
        var page = new GridRequest { Search = "  ITEM 2 ", SortBy = "Name" }.PageOf(Items, Sorts, Matches);

        Assert.Equal(10, page.Total);
        Assert.Equal("item 20", page.Items[0].Name);
    }

    [Fact]
    public void PageOf_UnknownSortKeyOrNoMatcher_KeepsTheOrderAndIgnoresTheSearch()
    {
        var page = new GridRequest { SortBy = "Exploded", Search = "zzz", PageSize = 3 }.PageOf(Items, Sorts);

        Assert.Equal(30, page.Total);
        Assert.Equal(["item 01", "item 02", "item 03"], page.Items.Select(i => i.Name));
    }

    [Fact]
    public void PageOf_PageBeyondTheEnd_NoRowsButTheCount()
    {
        var page = new GridRequest { Page = 9, PageSize = 10 }.PageOf(Items);

        Assert.Empty(page.Items);
        Assert.Equal(30, page.Total);
    }
}
