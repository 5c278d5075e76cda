namespace DeployGuard.Web.Components.Shared;

/// <summary>
/// Handed to a PagedGrid's Filters template: read a filter's current value (from the URL) and change it (which writes
/// the URL, goes back to the first page and reloads).
/// </summary>
public sealed class GridFilters(GridRequest request, Func<string, string?, Task> set)
{
    public GridRequest Request => request;

    public string? this[string name] => request.Filter(name);

    public Guid? Guid(string name) => request.GuidFilter(name);

    public TEnum? Enum<TEnum>(string name) where TEnum : struct, Enum => request.EnumFilter<TEnum>(name);

    /// <summary>Sets a filter; null or empty removes it.</summary>
    public Task SetAsync(string name, object? value) => set(name, value switch
    {
        null => null,
        Enum e => e.ToString(),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    });
}
