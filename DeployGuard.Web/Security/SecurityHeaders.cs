using System.Security.Cryptography;
using DeployGuard.Web.Endpoints;

namespace DeployGuard.Web.Security;

/// <summary>
/// Headers that limit what a page can load and who can frame it, on every response (pages, API, static files, errors).
/// Pages get a Content-Security-Policy with a per-request nonce: Blazor Server needs only its own scripts
/// (<c>'self'</c>), the SignalR websocket (<c>connect-src</c>) and the inline import map, which carries the nonce
/// (App.razor). Component libraries set inline <c>style</c> attributes, hence <c>style-src 'unsafe-inline'</c>;
/// scripts never run inline. The API answers JSON only, so its policy allows nothing at all.
/// </summary>
internal static class SecurityHeaders
{
    private const string NonceKey = "dg:csp-nonce";

    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>The nonce of this request's page policy, for the one inline script (the import map).</summary>
    public static string Nonce(HttpContext context)
    {
        if (context.Items[NonceKey] is not string nonce)
        {
            // Hex: no characters that HTML attribute encoding would change.
            nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceKey] = nonce;
        }

        return nonce;
    }

    public static string PagePolicy(string nonce) =>
        "default-src 'self'; " +
        $"script-src 'self' 'nonce-{nonce}'; " +
        "style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; " +
        "font-src 'self' data:; " +
        "connect-src 'self' ws: wss:; " +
        "object-src 'none'; " +
        "base-uri 'self'; " +
        "form-action 'self'; " +
        "frame-ancestors 'none'";

    public static void UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = ApiProblems.IsApi(context) ? ApiPolicy : PagePolicy(Nonce(context));
            return Task.CompletedTask;
        });
        return next(context);
    });
}
