using DeployGuard.Data.Settings;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Commands;
using DeployGuard.Web.Components;
using DeployGuard.Web.Components.Shared;
using DeployGuard.Web.Endpoints;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Radzen;

namespace DeployGuard.Web;

internal static class DependencyInjection
{
    /// <summary>The web app: its host and UI, then each feature registering itself.</summary>
    public static void AddWebServices(this WebApplicationBuilder builder)
    {
        builder.AddWebHost();
        builder.AddAccounts();
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
        }

        app.UseStatusCodePagesPerAudience();
        // Explicit, so the status code pages above also see the 401/403 that authorization answers.
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
    }

    public static void MapWebEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAccounts();
        app.MapHealthEndpoints();
        app.MapAudit();
        app.MapCatalogApi();
        app.MapDeployments();
        app.MapScanning();
        app.MapVulnerabilities();
        app.MapAnalyses();
    }

    /// <summary>Blazor and the UI kit, problem details for the API, Data Protection keys, proxies, rate limiting.</summary>
    private static void AddWebHost(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddUiKit();
        // Until the last page is on the kit (issue 9): unconverted pages still use Radzen's services.
        services.AddRadzenComponents();
        services.AddHttpContextAccessor();
        services.AddApiProblems();

        services.AddDataProtection().SetApplicationName("DeployGuard");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = ActivatorUtilities.CreateInstance<PostgresXmlRepository>(sp)));

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
}
