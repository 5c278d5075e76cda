using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace DeployGuard.Web.Endpoints;

/// <summary>
/// Errors of the HTTP API as problem details (application/problem+json), never as the HTML pages browsers get:
/// unreadable request bodies become a 400 naming the field, unmatched /api routes a 404.
/// </summary>
internal static class ApiProblems
{
    /// <summary>Machine clients: the HTTP API and the SignalR hubs.</summary>
    public static bool IsApi(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs");

    public static void AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails();
        // Enums travel by name ("runtime": "Go", "type": "Production"); numbers are still read.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        // Binding failures (malformed JSON, wrong types) throw, so the handler below can say what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestHandler>();
    }

    /// <summary>Status code pages: the HTML not-found page for browsers, bare problem details for the API.</summary>
    public static void UseStatusCodePagesPerAudience(this WebApplication app)
    {
        // Outermost: bare API errors (an unmatched /api route, a 401 from a bearer challenge) get a problem-details body.
        app.UseWhen(IsApi, api => api.UseStatusCodePages());
        // Not inside a UseWhen branch: re-execution must re-run routing from the main pipeline, or an unmatched path
        // re-executes to no endpoint at all and the browser gets an empty 404.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            // The API keeps the problem details above instead of the HTML page.
            if (IsApi(context) && context.Features.Get<IStatusCodePagesFeature>() is { } htmlPages)
            {
                htmlPages.Enabled = false;
            }

            return next(context);
        });
    }

    /// <summary>Turns <see cref="BadHttpRequestException"/> (thrown because ThrowOnBadRequest is on) into a 400/4xx problem.</summary>
    private sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }

            context.Response.StatusCode = bad.StatusCode;
            var problem = new ProblemDetails { Status = bad.StatusCode, Title = "The request could not be read.", Detail = bad.Message };
            if (bad.InnerException is JsonException { Path: { } path } jsonError)
            {
                var field = FieldName(path);
                problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [field] = [$"Invalid JSON{(field.Length > 0 ? $" for '{field}'" : "")}: {FirstSentence(jsonError.Message)}"],
                })
                {
                    Status = bad.StatusCode, Title = "The request body is not valid JSON for this endpoint.", Detail = bad.Message,
                };
            }

            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
        }

        // "$.teamId" -> "teamId", "$.members[2]" -> "members[2]", "$" -> "" (the body as a whole).
        private static string FieldName(string path) =>
            path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

        private static string FirstSentence(string message) =>
            message.IndexOf(". ", StringComparison.Ordinal) is var end and > 0 ? message[..(end + 1)] : message;
    }
}
