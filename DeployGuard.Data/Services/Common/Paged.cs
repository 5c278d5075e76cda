namespace DeployGuard.Data.Services.Common;

public sealed record Paged<T>(IReadOnlyList<T> Items, int Total)
{
    /// <summary>
    /// True when the count stopped early (<see cref="Total"/> is then a lower bound: at least that many match). A list
    /// over hundreds of thousands of rows counts only so far, as GitLab's vulnerability report does ("10,000+"); the
    /// count always reaches one row past the page asked for, so the pager knows whether a next page exists.
    /// </summary>
    public bool TotalIsCapped { get; init; }
}

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
