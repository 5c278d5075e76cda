using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace DeployGuard.Web.Endpoints;

/// <summary>
/// Errors of the HTTP API as problem details (application/problem+json), never as the HTML pages browsers get:
/// unreadable request bodies become a 400 naming the field, unmatched /api routes a 404.
/// </summary>
internal static partial class ApiProblems
{
    /// <summary>Machine clients: the HTTP API and the SignalR hubs.</summary>
    public static bool IsApi(HttpContext context)
    {
        // Error handling re-executes with another path (/Error, /not-found): the request is still the one that came in.
        PathString path = context.Features.Get<IExceptionHandlerPathFeature>()?.Path
                          ?? context.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath
                          ?? context.Request.Path.Value;
        return path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs");
    }

    public static void AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails();
        // Enums travel by name ("runtime": "Go", "type": "Production"); numbers are still read.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        // Binding failures (malformed JSON, wrong types) throw, so the handler below can say what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestHandler>();
        services.AddExceptionHandler<ApiErrorHandler>();
    }

    /// <summary>Status code pages: the HTML not-found page for browsers, bare problem details for the API.</summary>
    public static void UseStatusCodePagesPerAudience(this WebApplication app)
    {
        // Outermost: bare API errors (an unmatched /api route, a 401 from a bearer challenge) get a problem-details body.
        app.UseWhen(IsApi, api => api.UseStatusCodePages());
        // Not inside a UseWhen branch: re-execution must re-run routing from the main pipeline, or an unmatched path
        // re-executes to no endpoint at all and the browser gets an empty 404.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use(async (context, next) =>
        {
            var htmlPages = context.Features.Get<IStatusCodePagesFeature>();
            // The API keeps the problem details above instead of the HTML page.
            if (IsApi(context) && htmlPages is not null)
            {
                htmlPages.Enabled = false;
            }

            await next(context);

            // The HTML page is the not-found page: other bare statuses (a bearer token's 401/403 on a page, a 400) stay
            // what they are, instead of re-running a page for a request that was refused.
            if (htmlPages is not null && context.Response.StatusCode != StatusCodes.Status404NotFound)
            {
                htmlPages.Enabled = false;
            }
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
            // Framework messages name .NET types ("Nullable<DeploymentStatus> status", "System.Guid"): say it in words.
            ProblemDetails problem = new() { Status = bad.StatusCode, Title = "The request could not be read." };
            if (bad.InnerException is JsonException jsonError)
            {
                var field = FieldName(jsonError.Path ?? "$");
                problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [field] = [$"Invalid JSON{(field.Length > 0 ? $" for '{field}'" : "")}: {JsonProblem(jsonError)}"],
                })
                {
                    Status = bad.StatusCode, Title = "The request body is not valid JSON for this endpoint.",
                };
            }
            else if (BindFailure().Match(bad.Message) is { Success: true } binding)
            {
                var name = binding.Groups["name"].Value;
                problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [name] = [$"'{binding.Groups["value"].Value}' is not a valid value for '{name}'{Expected(binding.Groups["type"].Value)}."],
                })
                {
                    Status = bad.StatusCode, Title = "A parameter has an invalid value.",
                };
            }
            else if (MissingParameter().Match(bad.Message) is { Success: true } missing)
            {
                var name = missing.Groups["name"].Value;
                problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [name] = [$"'{name}' is required."] })
                {
                    Status = bad.StatusCode, Title = "A required parameter is missing.",
                };
            }
            else if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
            {
                problem.Title = "Send the body as application/json.";
            }

            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
        }

        // "$.teamId" -> "teamId", "$.members[2]" -> "members[2]", "$" -> "" (the body as a whole).
        private static string FieldName(string path) =>
            path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

        private static string JsonProblem(JsonException error)
        {
            if (ConversionFailure().Match(error.Message) is { Success: true } conversion)
            {
                return $"the value does not fit{Expected(conversion.Groups["type"].Value)}.";
            }

            var message = error.Message;
            var end = message.IndexOf(". ", StringComparison.Ordinal);
            message = end > 0 ? message[..(end + 1)] : message;
            // Some reader messages still carry a type ("... could not be converted to X"); never echo those.
            return message.Contains("System.", StringComparison.Ordinal) || message.Contains("DeployGuard.", StringComparison.Ordinal)
                ? "the value does not fit this field."
                : message;
        }

        /// <summary>" (expected a UUID)" for a .NET type name as the framework prints it, "" when there is nothing simple to say.</summary>
        private static string Expected(string typeName)
        {
            var inner = NullableOf().Match(typeName) is { Success: true } nullable ? nullable.Groups[1].Value : typeName;
            inner = inner.Split('.')[^1];
            var words = inner switch
            {
                "Guid" => "a UUID",
                "Int32" or "Int64" or "Int16" or "int" or "long" => "a whole number",
                "Double" or "Single" or "Decimal" or "double" => "a number",
                "Boolean" or "bool" => "true or false",
                "DateTimeOffset" or "DateTime" => "an ISO 8601 date and time",
                "DateOnly" => "a date (yyyy-mm-dd)",
                "String" or "string" => "a string",
                _ => EnumNames(inner) is { } names ? $"one of {names}" : null,
            };
            return words is null ? "" : $" (expected {words})";
        }

        private static string? EnumNames(string simpleName)
        {
            var type = typeof(Data.Entities.ApplicationUser).Assembly.GetTypes()
                .FirstOrDefault(t => t.IsEnum && t.IsPublic && t.Name == simpleName);
            return type is null ? null : string.Join(", ", Enum.GetNames(type));
        }
    }

    /// <summary>
    /// Anything else that escapes an API endpoint: a 500 problem with a reference to the log, never the exception's
    /// type, message or stack (pages get the /Error page). Text that PostgreSQL cannot store but that slipped past
    /// <see cref="Security.TextInputGuard"/> is still the client's fault: 400.
    /// </summary>
    private sealed class ApiErrorHandler(IProblemDetailsService problems, ILogger<ApiErrorHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (!IsApi(context) || context.Response.HasStarted)
            {
                return false;
            }

            ProblemDetails problem;
            if (Security.TextInputGuard.IsUnstorableText(exception))
            {
                problem = new ProblemDetails
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "The request contains text that cannot be stored.",
                    Detail = "Remove NUL characters (\\u0000) and unpaired surrogates from the text fields.",
                };
            }
            else
            {
                logger.LogError(exception, "Unhandled error in {Method} {Path} ({TraceId})", context.Request.Method, context.Request.Path,
                    context.TraceIdentifier);
                problem = new ProblemDetails
                {
                    Status = StatusCodes.Status500InternalServerError,
                    Title = "Something went wrong on our side.",
                    Detail = $"The error has been logged. If it keeps happening, give your administrator this reference: {context.TraceIdentifier}",
                };
            }

            context.Response.StatusCode = problem.Status!.Value;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[^ \"]+)\" from \"(?<value>.*)\"\\.$")]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    [System.Text.RegularExpressions.GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided")]
    private static partial System.Text.RegularExpressions.Regex MissingParameter();

    [System.Text.RegularExpressions.GeneratedRegex("could not be converted to (?<type>[^ .]+(\\.[^ .]+)*(`1\\[[^\\]]+\\])?)")]
    private static partial System.Text.RegularExpressions.Regex ConversionFailure();

    [System.Text.RegularExpressions.GeneratedRegex("^(?:System\\.)?Nullable(?:`1\\[|<)(.+?)[\\]>]$")]
    private static partial System.Text.RegularExpressions.Regex NullableOf();
}
