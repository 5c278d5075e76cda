using System.Globalization;
using DeployGuard.Data.Services.Common;
using Microsoft.AspNetCore.WebUtilities;

namespace DeployGuard.Web.Components.Shared;

/// <summary>
/// What a list page is asked to load: the page (0-based), its size, the sort, the search text and the page's own filters,
/// all read from the URL's query string so that a list is a link. <see cref="Apply{T}"/> maps it onto a service query.
/// </summary>
public sealed record GridRequest
{
    public const int DefaultPageSize = 25;

    public int Page { get; init; }
    public int PageSize { get; init; } = DefaultPageSize;
    public string? SortBy { get; init; }
    public bool Descending { get; init; }
    public string? Search { get; init; }

    /// <summary>The page's filters by name (every query parameter that is not the grid's own), values as in the URL.</summary>
    public IReadOnlyDictionary<string, string> Filters { get; init; } = new Dictionary<string, string>();

    public bool IsFiltered => !string.IsNullOrWhiteSpace(Search) || Filters.Count > 0;

    /// <summary>Paging, sorting and search onto a service query; the page adds its own filters.</summary>
    public T Apply<T>(T query) where T : ListQuery => query with
    {
        Skip = Page * PageSize,
        Take = PageSize,
        SortBy = SortBy,
        Descending = Descending,
        Search = string.IsNullOrWhiteSpace(Search) ? null : Search,
    };

    public string? Filter(string name) => Filters.TryGetValue(name, out var value) ? value : null;

    /// <summary>A filter holding an id; null when absent or not an id (a hand-edited link does not break the page).</summary>
    public Guid? GuidFilter(string name) => Guid.TryParse(Filter(name), out var id) ? id : null;

    public TEnum? EnumFilter<TEnum>(string name) where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(Filter(name), ignoreCase: true, out var value) && Enum.IsDefined(value) ? value : null;

    /// <summary>
    /// One page of a list the page already holds in full (a person's tokens or sessions, a few dozen rows): sorted by the
    /// column's key through <paramref name="sorts"/>, searched with <paramref name="matches"/>, so a short list behaves
    /// (and links) like a server-paged one.
    /// </summary>
    public Paged<T> PageOf<T>(IEnumerable<T> items, IReadOnlyDictionary<string, Func<T, object?>>? sorts = null, Func<T, string, bool>? matches = null)
    {
        var rows = items;
        if (matches is not null && !string.IsNullOrWhiteSpace(Search))
        {
            var text = Search.Trim();
            rows = rows.Where(r => matches(r, text));
        }

        if (SortBy is not null && sorts is not null && sorts.TryGetValue(SortBy, out var key))
        {
            rows = Descending ? rows.OrderByDescending(key, Comparer<object?>.Default) : rows.OrderBy(key, Comparer<object?>.Default);
        }

        var all = rows.ToList();
        return new Paged<T>(all.Skip(Page * PageSize).Take(PageSize).ToList(), all.Count);
    }

    public bool Equivalent(GridRequest other) =>
        Page == other.Page && PageSize == other.PageSize && SortBy == other.SortBy && Descending == other.Descending &&
        (Search ?? "") == (other.Search ?? "") && Filters.Count == other.Filters.Count &&
        Filters.All(f => other.Filters.TryGetValue(f.Key, out var v) && v == f.Value);
}

/// <summary>
/// The URL form of a <see cref="GridRequest"/>: <c>?q=pay&amp;sort=CreatedAt&amp;dir=desc&amp;page=2&amp;size=50&amp;service=…</c>.
/// With a prefix (two grids on one page) the grid's keys become <c>prefix.q</c>, <c>prefix.page</c> ... and only
/// <c>prefix.*</c> parameters are its filters.
/// </summary>
public static class GridUrl
{
    private static readonly string[] Own = ["q", "sort", "dir", "page", "size"];

    public static GridRequest Parse(string uri, string? prefix = null, int defaultPageSize = GridRequest.DefaultPageSize)
    {
        var query = QueryHelpers.ParseQuery(new Uri(uri).Query);
        string? Get(string key) => query.TryGetValue(Key(prefix, key), out var v) && !string.IsNullOrEmpty(v.ToString()) ? v.ToString() : null;

        var filters = new Dictionary<string, string>();
        foreach (var (key, value) in query)
        {
            var name = prefix is null ? key : key.StartsWith(prefix + ".", StringComparison.Ordinal) ? key[(prefix.Length + 1)..] : null;
            if (name is not null && !Own.Contains(name) && !string.IsNullOrEmpty(value.ToString()))
            {
                filters[name] = value.ToString();
            }
        }

        var page = int.TryParse(Get("page"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 ? p - 1 : 0;
        var size = int.TryParse(Get("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 200 ? s : defaultPageSize;
        return new GridRequest
        {
            Page = page,
            PageSize = size,
            SortBy = Get("sort"),
            Descending = Get("dir") == "desc",
            Search = Get("q"),
            Filters = filters,
        };
    }

    /// <summary>
    /// The query parameters that put <paramref name="request"/> into the URL, for
    /// <c>NavigationManager.GetUriWithQueryParameters</c>: defaults are left out (null removes a parameter), and filters
    /// that were set before but are not any more are removed.
    /// </summary>
    public static Dictionary<string, object?> ToQuery(GridRequest request, GridRequest? previous = null, string? prefix = null,
        int defaultPageSize = GridRequest.DefaultPageSize)
    {
        var parameters = new Dictionary<string, object?>
        {
            [Key(prefix, "q")] = string.IsNullOrWhiteSpace(request.Search) ? null : request.Search,
            [Key(prefix, "sort")] = request.SortBy,
            [Key(prefix, "dir")] = request.SortBy is not null && request.Descending ? "desc" : null,
            [Key(prefix, "page")] = request.Page > 0 ? (request.Page + 1).ToString(CultureInfo.InvariantCulture) : null,
            [Key(prefix, "size")] = request.PageSize != defaultPageSize ? request.PageSize.ToString(CultureInfo.InvariantCulture) : null,
        };
        foreach (var name in previous?.Filters.Keys ?? [])
        {
            parameters[Key(prefix, name)] = null;
        }

        foreach (var (name, value) in request.Filters)
        {
            parameters[Key(prefix, name)] = value;
        }

        return parameters;
    }

    private static string Key(string? prefix, string key) => prefix is null ? key : $"{prefix}.{key}";
}
