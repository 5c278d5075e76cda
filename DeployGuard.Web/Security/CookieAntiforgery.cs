using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.SignalR;

namespace DeployGuard.Web.Security;

/// <summary>
/// A change (POST, PUT, PATCH, DELETE) that a browser's session cookie authenticates needs the antiforgery token of one
/// of the session's pages, on every endpoint: SameSite=Lax alone lets a sibling site of the same domain post with the
/// cookie, and the JSON bodies of the API are read whatever the content type says (a cross-site <c>text/plain</c> form
/// needs no CORS preflight). Forms and Razor components carry their own antiforgery metadata and the framework checks
/// them; this middleware checks everything else (the HTTP API, and any minimal endpoint added later). A bearer token is
/// not ambient authority (a browser never attaches it by itself), so CI and the CLI are not asked for one.
/// WebSockets obey no same-origin rule either: a session's connection to the live-events hub from another site's page
/// (its <c>Origin</c> is not this host) is refused, or that page could read every deployment's live events.
/// </summary>
internal sealed class CookieAntiforgery(RequestDelegate next, IAntiforgery antiforgery, IProblemDetailsService problems)
{
    /// <summary>Where a script acting with a browser session sends the token of a page's form (<c>__RequestVerificationToken</c>).</summary>
    public const string HeaderName = "RequestVerificationToken";

    public async Task InvokeAsync(HttpContext context)
    {
        if (IsCrossOriginHubSession(context))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "A browser session connects to live events only from DeployGuard's own pages.",
                    Detail = "Clients elsewhere connect with an API token (Authorization: Bearer).",
                },
            });
            return;
        }

        if (!NeedsToken(context))
        {
            await next(context);
            return;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            // Refused before the body is read or anything is changed; the reason says what a legitimate caller does.
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "A change made with a browser session needs its antiforgery token.",
                    Detail = $"Send the token of one of the session's pages in the {HeaderName} header, or call the API with an API " +
                             "token (Authorization: Bearer) as scripts and CI do.",
                },
            });
            return;
        }

        await next(context);
    }

    /// <summary>A signed-in session's unsafe request to an endpoint whose antiforgery nobody else checks.</summary>
    public static bool NeedsToken(HttpContext context) =>
        !IsSafe(context.Request.Method)
        && context.User.Identity?.IsAuthenticated == true
        && ApiTokenAuthenticationHandler.BearerToken(context.Request) is null
        && context.GetEndpoint() is { } endpoint
        && Covers(endpoint);

    /// <summary>
    /// A session (cookie, no bearer token) opening or using a SignalR hub connection from a page of another origin. The Blazor
    /// circuit is left to its own protection (a circuit starts only from descriptors in a page of this app, which another
    /// origin cannot read) so that a proxy that rewrites Host can never take the UI down.
    /// </summary>
    public static bool IsCrossOriginHubSession(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true
        && ApiTokenAuthenticationHandler.BearerToken(context.Request) is null
        && context.GetEndpoint() is { } endpoint
        && endpoint.Metadata.GetMetadata<HubMetadata>() is not null
        && !IsBlazorFramework(endpoint)
        && context.Request.Headers.Origin.ToString() is { Length: > 0 } origin
        && !(Uri.TryCreate(origin, UriKind.Absolute, out var from) && string.Equals(from.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Endpoints this middleware checks: all but those the framework checks itself (forms and components: antiforgery
    /// metadata that requires validation) and the SignalR hubs (the Blazor circuit and /hubs/deployments: their POSTs are
    /// the negotiation and transport of a connection a page opened, they change nothing by themselves, and the hub methods
    /// are reads; docs/security.md). <c>DisableAntiforgery()</c> does not take an endpoint out: the report uploads turn
    /// the framework's form check off so that CI can post multipart with a bearer token, and a cross-site multipart form is
    /// exactly what a browser sends with the cookie and without a preflight.
    /// </summary>
    public static bool Covers(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAntiforgeryMetadata>() is not { RequiresValidation: true }
        && endpoint.Metadata.GetMetadata<HubMetadata>() is null
        && !IsBlazorFramework(endpoint);

    // The circuit's own endpoints (/_blazor/disconnect/: a beacon that closes a circuit by its secret id).
    private static bool IsBlazorFramework(Endpoint endpoint) =>
        endpoint is RouteEndpoint route && route.RoutePattern.RawText?.StartsWith("/_blazor", StringComparison.Ordinal) == true;

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
}
