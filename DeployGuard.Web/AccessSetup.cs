using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using DeployGuard.Data.Settings;
using DeployGuard.Web.Endpoints;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

using DeployGuard.Web.Auth;

namespace DeployGuard.Web;

/// <summary>Who gets in and how often: the registration policy, invitations, and the rate limits of sign-in and the API.</summary>
internal static class AccessSetup
{
    /// <summary>Rate-limit policy of the account forms (register, password reset, resend confirmation): POSTs per address.</summary>
    public const string AccountForms = "account-forms";

    public static void AddAccessControl(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Auth:Registration and Auth:AllowedDomains are the data layer's (AccountsSetup); the limits are the web's.
        services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section);
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<InviteMailer>();

        // The host's AddRateLimiter sets the 429; here the answer's Retry-After, the API buckets and the account forms.
        services.AddRateLimiter(o =>
        {
            o.OnRejected = WriteRejectionAsync;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ApiPartition);
            o.AddPolicy(AccountForms, context =>
            {
                if (!HttpMethods.IsPost(context.Request.Method))
                {
                    return RateLimitPartition.GetNoLimiter("get");
                }

                var limit = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.AccountFormPostsPerAddressPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(ClientAddress(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                });
            });
        });
    }

    /// <summary>The client's address (behind a proxy: the one ForwardedHeaders took from X-Forwarded-For).</summary>
    public static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>
    /// API and hub requests: one token bucket per API token, per signed-in user (cookie), or per address without
    /// credentials. Pages and static files are not metered here (sign-in has its own throttle).
    /// </summary>
    private static RateLimitPartition<string> ApiPartition(HttpContext context)
    {
        if (!ApiProblems.IsApi(context))
        {
            return RateLimitPartition.GetNoLimiter("pages");
        }

        var limits = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var user = context.User;
        var key = user.FindFirstValue(ApiTokenAuthenticationHandler.TokenIdClaim) is { } token ? $"token:{token}"
            : user.FindFirstValue(ClaimTypes.NameIdentifier) is { } id ? $"user:{id}"
            : $"address:{ClientAddress(context)}";
        var perMinute = key.StartsWith("address:", StringComparison.Ordinal) ? limits.AnonymousApiRequestsPerMinute : limits.ApiRequestsPerMinute;
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, perMinute / 60),
            ReplenishmentPeriod = TimeSpan.FromSeconds(perMinute >= 60 ? 1 : 60.0 / perMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : 60;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var message = $"Too many requests: try again in {seconds} second{(seconds == 1 ? "" : "s")}.";
        if (ApiProblems.IsApi(context))
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: message).ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n", ct);
    }
}
