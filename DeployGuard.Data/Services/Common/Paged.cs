namespace DeployGuard.Data.Services.Common;

public sealed record Paged<T>(IReadOnlyList<T> Items, int Total);

/// <summary>Sorting and paging for the catalog lists (what a data grid asks for).</summary>
public record ListQuery
{
    public string? Search { get; init; }
    public string? SortBy { get; init; }
    public bool Descending { get; init; }
    public int Skip { get; init; }
    public int Take { get; init; } = 25;

    public int SafeTake => Math.Clamp(Take, 1, 200);
    public int SafeSkip => Math.Max(0, Skip);
}
