using DeployGuard.Data.Services.Common;
using Radzen;

namespace DeployGuard.Web.Components.Shared;

/// <summary>Transitional (issue 9): pages on the kit use GridRequest.Apply. Turns a Radzen grid's LoadDataArgs into the sorting and paging of a service query.</summary>
internal static class GridQuery
{
    public static T Apply<T>(this T query, LoadDataArgs args) where T : ListQuery
    {
        var sort = args.Sorts?.FirstOrDefault(s => s.SortOrder is not null);
        return query with
        {
            Skip = args.Skip ?? 0,
            Take = args.Top ?? 25,
            SortBy = sort?.Property,
            Descending = sort?.SortOrder == SortOrder.Descending,
        };
    }
}
