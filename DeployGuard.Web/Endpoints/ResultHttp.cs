using DeployGuard.Data.Services.Common;

namespace DeployGuard.Web.Endpoints;

/// <summary>The one mapping from a domain <see cref="Result{T}"/> to HTTP, with errors as problem details.</summary>
internal static class ResultHttp
{
    /// <summary>200 (201 with a location when <paramref name="created"/> is given, 204 for <see cref="Unit"/>), 400 validation problem, 403, 404.</summary>
    public static IResult ToHttp<T>(Result<T> result, Func<T, string>? created = null) => result.Status switch
    {
        ResultStatus.Ok when created is not null => Results.Created(created(result.Value!), result.Value),
        ResultStatus.Ok when result.Value is Unit => Results.NoContent(),
        ResultStatus.Ok => Results.Ok(result.Value),
        ResultStatus.NotFound => Results.Problem(statusCode: 404, title: result.Message),
        ResultStatus.Forbidden => Results.Problem(statusCode: 403, title: result.Message),
        _ => Results.ValidationProblem(result.Errors.ToDictionary(e => e.Key, e => e.Value), title: result.Message ?? "Invalid input."),
    };

    /// <summary>An unknown id: 404 with a title that names what was looked for.</summary>
    public static IResult NotFound(string what, object id) => Results.Problem(statusCode: 404, title: $"{what} {id} does not exist.");
}
