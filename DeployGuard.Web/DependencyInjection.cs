using DeployGuard.Data.Settings;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Commands;
using DeployGuard.Web.Components;
using DeployGuard.Web.Components.Shared;
using DeployGuard.Web.Endpoints;
using DeployGuard.Web.Security;
using DeployGuard.Web.Telemetry;
using DeployGuard.Web.Workers.Jobs;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web;

internal static class DependencyInjection
{
    /// <summary>The web app: its host and UI, then each feature registering itself.</summary>
    public static void AddWebServices(this WebApplicationBuilder builder)
    {
        builder.AddWebHost();
        // The event bus's listener and the job queue's workers first: features add their kinds' workers.
        builder.AddEventsAndJobs();
        builder.AddTelemetry();
        builder.AddAccounts();
        builder.AddAccessControl();
        builder.AddMail();
        builder.AddAudit();
        builder.AddDeployments();
        builder.AddScanning();
        builder.AddVulnerabilities();
        builder.AddAnalyses();
        // seed-demo's settings (the command runs on this same set of services).
        builder.Services.AddValidatedOptions<DemoOptions>(DemoOptions.Section);
    }

    public static void UseWebPipeline(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            // Only sent over HTTPS (directly or, with ForwardedHeaders, behind a TLS-terminating proxy).
            app.UseHsts();
        }

        app.UseSecurityHeaders();
        app.UseStatusCodePagesPerAudience();
        app.UseMiddleware<TextInputGuard>();
        app.UseCookiePolicy();
        // Explicit, so the status code pages above also see the 401/403 that authorization answers. Not for the static
        // files (public, fingerprinted, nothing per user): each would cost a session lookup in PostgreSQL, 15-odd per page.
        app.UseWhen(context => context.GetEndpoint()?.Metadata.GetMetadata<StaticAssetDescriptor>() is null, branch => branch.UseAuthentication());
        // UseAuthentication in a branch does not mark the app's own pipeline, and WebApplication would then add another one
        // for every request ahead of it (AuthAppBuilderExtensions' key; StaticAssetSessionTests proves it stays off).
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        // Before authorization: the buckets are per token or user (known once authenticated), and requests without valid
        // credentials (a 401 each, but a token lookup each) are metered per address instead of going unlimited.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();
        // After authorization (a refused caller still gets its 401/403): a session's changes through the API need a token.
        app.UseMiddleware<CookieAntiforgery>();
    }

    public static void MapWebEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        // Framing is refused by SecurityHeaders' own policy (frame-ancestors 'none'), not by a second CSP header.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        app.MapAccounts();
        app.MapHealthEndpoints();
        app.MapAudit();
        app.MapCatalogApi();
        app.MapDeployments();
        app.MapScanning();
        app.MapVulnerabilities();
        app.MapAnalyses();
        app.MapTelemetry();
    }

    /// <summary>Blazor and the UI kit, security headers, problem details for the API, Data Protection keys, proxies, rate limiting.</summary>
    private static void AddWebHost(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Package assets (_content/..., the framework's scripts) from their build-time locations in every environment,
        // so `dotnet run` in Production serves them too; a no-op for published output, where they are in wwwroot. Only
        // when this process can reach those locations: an app started from a build as another OS user (nobody, in the
        // isolation tests) cannot read the builder's NuGet folder, and the host would stop on it.
        if (BuildTimeAssetsReachable(builder.Environment.ApplicationName))
        {
            builder.WebHost.UseStaticWebAssets();
        }

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddWebSecurity();
        services.AddUiKit();
        services.AddHttpContextAccessor();
        services.AddApiProblems();

        services.AddSingleton<AppDirectories>();
        // Data Protection keys in PostgreSQL, encrypted at rest with a certificate kept outside the database.
        builder.AddKeyRing();

        services.AddValidatedOptions<ForwardedHeadersSettings>(ForwardedHeadersSettings.Section);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
        });

        // Features add their policies (ScanningSetup: CLI feedback); every refusal is a 429.
        services.AddRateLimiter(o => o.RejectionStatusCode = StatusCodes.Status429TooManyRequests);
    }

    private static bool BuildTimeAssetsReachable(string applicationName)
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, $"{applicationName}.staticwebassets.runtime.json");
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(manifest));
            return json.RootElement.GetProperty("ContentRoots").EnumerateArray().All(root => Directory.Exists(root.GetString()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException
                                      or InvalidOperationException)
        {
            return false;
        }
    }
}
