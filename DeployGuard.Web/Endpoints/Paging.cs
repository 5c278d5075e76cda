namespace DeployGuard.Web.Endpoints;

/// <summary>What a list endpoint accepts as its page: <c>skip</c> from 0, and its page-size parameter from 1 to a maximum.</summary>
public sealed record PagingMetadata(string TakeName, int MaxTake);

/// <summary>
/// The one check of a list endpoint's paging query. Without it each service clamped silently, so <c>take=-5</c> or
/// <c>take=100000</c> answered 200 with a page the caller had not asked for; the caller now learns which value is wrong and
/// what the range is, as a validation problem naming the parameter, and nothing is read.
/// </summary>
public static class Paging
{
    /// <summary>The largest page a list service returns (<c>ListQuery.SafeTake</c>).</summary>
    public const int MaxTake = 200;

    public static RouteHandlerBuilder ValidatesPaging(this RouteHandlerBuilder builder, string takeName = "take", int maxTake = MaxTake) =>
        builder.WithMetadata(new PagingMetadata(takeName, maxTake)).AddEndpointFilter(async (context, next) =>
        {
            var errors = Check(context.HttpContext.Request.Query, takeName, maxTake);
            return errors.Count > 0 ? Results.ValidationProblem(errors, title: "The page asked for is out of range.") : await next(context);
        });

    internal static Dictionary<string, string[]> Check(IQueryCollection query, string takeName, int maxTake)
    {
        var errors = new Dictionary<string, string[]>();
        if (query.TryGetValue("skip", out var skip) && !(int.TryParse(skip, out var s) && s >= 0))
        {
            errors["skip"] = ["skip is a whole number from 0."];
        }

        if (query.TryGetValue(takeName, out var take) && !(int.TryParse(take, out var t) && t >= 1 && t <= maxTake))
        {
            errors[takeName] = [$"{takeName} is 1 to {maxTake}."];
        }

        return errors;
    }
}
