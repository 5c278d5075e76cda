using Bunit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Npgsql;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>The kit's list: its states, and sort/page/search/filters kept in the URL (query → grid → query).</summary>
public sealed class PagedGridTests : ComponentTestBase
{
    private readonly List<GridRequest> _requests = [];
    private Func<GridRequest, Task<Paged<Row>>> _load = r => Task.FromResult(Page(r, 3));

    public PagedGridTests() => Render<MudPopoverProvider>();

    [Fact]
    public void Render_LoaderNotDone_ShowsLoadingState()
    {
        var pending = new TaskCompletionSource<Paged<Row>>();
        _load = _ => pending.Task;

        var cut = RenderGrid();

        cut.WaitForAssertion(() => Assert.Contains("Loading rows", cut.Find("[role=status]").TextContent));
        Assert.Empty(cut.FindAll("tbody a"));
    }

    [Fact]
    public void Render_NoRowsNoFilter_ShowsEmptyStateWithNextStep()
    {
        _load = _ => Task.FromResult(new Paged<Row>([], 0));

        var cut = RenderGrid();

        cut.WaitForAssertion(() => Assert.Contains("Nothing here yet", cut.Markup));
        Assert.Contains("Create the first row.", cut.Markup);
    }

    [Fact]
    public void Render_NoRowsWithSearch_ShowsNoMatchAndClearsFilters()
    {
        Navigation.NavigateTo("/rows?q=zzz&team=x");
        _load = r => Task.FromResult(r.IsFiltered ? new Paged<Row>([], 0) : Page(r, 2));
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.Contains("No rows match", cut.Markup));

        cut.FindAll("button").Single(b => b.TextContent.Contains("Clear search and filters")).Click();

        Assert.Equal("http://localhost/rows", Navigation.Uri);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody a").Count));
    }

    [Fact]
    public void Render_DatabaseUnavailable_ShowsErrorState_RetryLoads()
    {
        var down = true;
        _load = r => down ? throw new NpgsqlException("connection refused") : Task.FromResult(Page(r, 1));
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.Contains("Rows could not be loaded: the database did not answer", cut.Find("[role=alert]").TextContent));

        down = false;
        cut.FindAll("button").Single(b => b.TextContent.Contains("Try again")).Click();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody a")));
        Assert.Empty(cut.FindAll("[role=alert]"));
    }

    [Fact]
    public void Render_CappedCount_PagerSaysTenThousandPlusAndHidesLastPage()
    {
        _load = r => Task.FromResult(Page(r, 10_001) with { TotalIsCapped = true });

        var cut = RenderGrid();

        cut.WaitForAssertion(() => Assert.Contains("1-25 of 10,000+", cut.Find(".mud-table-pagination").TextContent));
        Assert.NotEmpty(cut.FindAll(".dg-pager-capped"));
        Assert.True(cut.Instance.TotalIsCapped);
    }

    [Fact]
    public void Render_ExactCount_PagerSaysTheTotal()
    {
        _load = r => Task.FromResult(Page(r, 30));

        var cut = RenderGrid();

        cut.WaitForAssertion(() => Assert.Contains("1-25 of 30", cut.Find(".mud-table-pagination").TextContent));
        Assert.Empty(cut.FindAll(".dg-pager-capped"));
    }

    [Fact]
    public void Render_Interactive_FirstPageReadOnceWhileTheGridFirstRenders()
    {
        var pending = new TaskCompletionSource<Paged<Row>>();
        _load = _ => pending.Task;

        var cut = RenderGrid();
        // Asked while the grid was being built: its first ServerData call waits for that read instead of starting another.
        Assert.Single(_requests);
        pending.SetResult(Page(_requests[0], 3));

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("tbody a").Count));
        Assert.Single(_requests);
    }

    [Fact]
    public void Render_UrlChangedBeforeTheFirstReadEnded_ShowsTheNewRequestsRows()
    {
        Navigation.NavigateTo("/rows");
        var first = new TaskCompletionSource<Paged<Row>>();
        _load = r => r.Search is null ? first.Task : Task.FromResult(new Paged<Row>([new Row(Guid.NewGuid(), "match", 1)], 1));
        var cut = RenderGrid();

        Navigation.NavigateTo("/rows?q=match");
        first.SetResult(Page(_requests[0], 3));

        cut.WaitForAssertion(() => Assert.Equal(["match"], cut.FindAll("tbody a").Select(a => a.TextContent).ToList()));
    }

    [Fact]
    public void Render_QueryString_BecomesTheRequest()
    {
        var team = Guid.NewGuid();
        Navigation.NavigateTo($"/rows?q=pay&sort=Name&dir=desc&page=3&size=10&team={team}&status=Failed");

        var cut = RenderGrid();

        cut.WaitForAssertion(() => Assert.NotEmpty(_requests));
        var request = _requests[^1];
        Assert.Equal((2, 10, "Name", true, "pay"), (request.Page, request.PageSize, request.SortBy, request.Descending, request.Search));
        Assert.Equal(team, request.GuidFilter("team"));
        Assert.Equal(DeployGuard.Data.Entities.DeploymentStatus.Failed, request.EnumFilter<DeployGuard.Data.Entities.DeploymentStatus>("status"));
        var query = request.Apply(new ListQuery());
        Assert.Equal((20, 10, "Name", true, "pay"), (query.Skip, query.Take, query.SortBy, query.Descending, query.Search));
        Assert.Equal("pay", cut.Find(".dg-search input").GetAttribute("value"));
    }

    [Fact]
    public void SortClick_WritesTheUrl_AndReloadsSortedFromFirstPage()
    {
        Navigation.NavigateTo("/rows?page=2&team=t1");
        _load = r => Task.FromResult(Page(r, 60));
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("tbody a")));

        cut.Find("button[aria-label='Name: sort ascending']").Click();
        cut.WaitForAssertion(() => Assert.Equal(("Name", false, 0), (_requests[^1].SortBy, _requests[^1].Descending, _requests[^1].Page)));
        Assert.Equal("http://localhost/rows?team=t1&sort=Name", Navigation.Uri);

        cut.Find("button[aria-label='Name, sorted ascending: sort descending']").Click();
        cut.WaitForAssertion(() => Assert.True(_requests[^1].Descending));
        Assert.Equal("http://localhost/rows?team=t1&sort=Name&dir=desc", Navigation.Uri);
        Assert.Equal("t1", _requests[^1].Filter("team"));
    }

    [Fact]
    public void PagerNext_PutsThePageInTheUrl_BackReturnsToTheFirstPage()
    {
        Navigation.NavigateTo("/rows");
        _load = r => Task.FromResult(Page(r, 60));
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("tbody a").Count));

        cut.Find("button[aria-label='Next page']").Click();

        cut.WaitForAssertion(() => Assert.Equal("http://localhost/rows?page=2", Navigation.Uri));
        cut.WaitForAssertion(() => Assert.Equal("row 26", cut.Find("tbody a").TextContent));
        // What the browser's Back button does: the previous URL, through the router.
        Navigation.NavigateTo("/rows");
        cut.WaitForAssertion(() => Assert.Equal("row 1", cut.Find("tbody a").TextContent));
        Assert.Equal(0, _requests[^1].Page);
    }

    [Fact]
    public void SetFilter_WritesTheUrlAndGoesToTheFirstPage_NullRemovesIt()
    {
        Navigation.NavigateTo("/rows?page=2&sort=Name");
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.NotEmpty(_requests));

        cut.InvokeAsync(() => cut.Instance.SetFilterAsync("team", "t9"));
        cut.WaitForAssertion(() => Assert.Equal("t9", _requests[^1].Filter("team")));
        Assert.Equal("http://localhost/rows?sort=Name&team=t9", Navigation.Uri);
        Assert.Equal(0, _requests[^1].Page);

        cut.InvokeAsync(() => cut.Instance.SetFilterAsync("team", null));
        cut.WaitForAssertion(() => Assert.Null(_requests[^1].Filter("team")));
        Assert.Equal("http://localhost/rows?sort=Name", Navigation.Uri);
    }

    [Theory]
    [InlineData("http://localhost/rows")]
    [InlineData("http://localhost/rows?q=pay%20api&sort=CreatedAt&dir=desc&page=4&size=50&service=abc&status=Running")]
    public void GridUrl_ParseThenToQuery_GivesTheSameUrlBack(string uri)
    {
        var request = GridUrl.Parse(uri);

        var again = Navigation.GetUriWithQueryParameters("http://localhost/rows", GridUrl.ToQuery(request));

        Assert.True(GridUrl.Parse(again).Equivalent(request), again);
    }

    [Fact]
    public void GridUrl_HandEditedNonsense_FallsBackToDefaults()
    {
        var request = GridUrl.Parse("http://localhost/rows?page=-3&size=100000&service=not-a-guid&status=Exploded");

        Assert.Equal((0, 25), (request.Page, request.PageSize));
        Assert.Null(request.GuidFilter("service"));
        Assert.Null(request.EnumFilter<DeployGuard.Data.Entities.DeploymentStatus>("status"));
    }

    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    private IRenderedComponent<PagedGrid<Row>> RenderGrid() => Render<PagedGrid<Row>>(p => p
        .Add(g => g.Label, "Rows")
        .Add(g => g.SearchPlaceholder, "Search rows")
        .Add(g => g.EmptyTitle, "Nothing here yet")
        .Add(g => g.Empty, b => b.AddContent(0, "Create the first row."))
        .Add(g => g.Loader, (request, _) =>
        {
            _requests.Add(request);
            return _load(request);
        })
        .Add(g => g.Columns, Columns));

    private static void Columns(RenderTreeBuilder builder)
    {
        builder.OpenComponent<GridColumn<Row>>(0);
        builder.AddComponentParameter(1, nameof(GridColumn<Row>.Title), "Name");
        builder.AddComponentParameter(2, nameof(GridColumn<Row>.Sort), "Name");
        builder.AddComponentParameter(3, nameof(GridColumn<Row>.ChildContent), (RenderFragment<Row>)(row => b =>
        {
            b.OpenElement(0, "a");
            b.AddAttribute(1, "href", $"rows/{row.Id}");
            b.AddContent(2, row.Name);
            b.CloseElement();
        }));
        builder.CloseComponent();
        builder.OpenComponent<GridColumn<Row>>(4);
        builder.AddComponentParameter(5, nameof(GridColumn<Row>.Title), "Size");
        builder.AddComponentParameter(6, nameof(GridColumn<Row>.ChildContent), (RenderFragment<Row>)(row => b => b.AddContent(0, row.Size)));
        builder.CloseComponent();
    }

    private static Paged<Row> Page(GridRequest request, int total) => new(
        Enumerable.Range(request.Page * request.PageSize + 1, Math.Max(0, Math.Min(request.PageSize, total - request.Page * request.PageSize)))
            .Select(i => new Row(Guid.NewGuid(), $"row {i}", i)).ToList(),
        total);

    public sealed record Row(Guid Id, string Name, int Size);
}
