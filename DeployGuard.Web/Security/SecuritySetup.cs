namespace DeployGuard.Web.Security;

internal static class SecuritySetup
{
    /// <summary>HSTS, Secure cookies behind HTTPS, one X-Frame-Options (ours, not antiforgery's).</summary>
    public static void AddWebSecurity(this IServiceCollection services)
    {
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = false; // other hosts of the domain are not ours to promise HTTPS for
        });
        // Every cookie (session, antiforgery, theme, status message) is Secure when the request came over HTTPS,
        // including through a proxy once ForwardedHeaders has set the scheme.
        services.Configure<CookiePolicyOptions>(o => o.Secure = CookieSecurePolicy.SameAsRequest);
        services.AddAntiforgery(o => o.SuppressXFrameOptionsHeader = true);
    }
}
