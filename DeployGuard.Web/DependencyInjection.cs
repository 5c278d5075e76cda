using DeployGuard.Data.Entities;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Components;
using DeployGuard.Web.Components.Account;
using DeployGuard.Web.Email;
using DeployGuard.Web.Endpoints;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using DeployGuard.Web.Components.Shared;
using Radzen;

namespace DeployGuard.Web;

internal static class DependencyInjection
{
    /// <summary>Blazor, MudBlazor, Identity with server-side sessions, policies, mail, Data Protection, health checks.</summary>
    public static void AddWebServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddUiKit();
        // Until the last page is on the kit (issue 9): unconverted pages still use Radzen's services.
        services.AddRadzenComponents();
        services.AddHttpContextAccessor();
        services.AddApiProblems();
        services.AddScoped<ClientInfo>();
        services.AddScoped<CurrentUser>();
        services.AddSingleton<AuditChainMonitor>();
        services.AddSingleton<Scanning.ScanJobRunner>();
        services.AddHostedService<Workers.ScanWorker>();

        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<SignInAuditor>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = ApiTokenAuthenticationHandler.SelectorScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddPolicyScheme(ApiTokenAuthenticationHandler.SelectorScheme, "Cookie or API token", o => o.ForwardDefaultSelector = context =>
                ApiTokenAuthenticationHandler.BearerToken(context.Request) is null
                    ? IdentityConstants.ApplicationScheme
                    : ApiTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = true;
                options.User.RequireUniqueEmail = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.Lockout.AllowedForNewUsers = true;
                options.Password.RequiredLength = 8;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<Data.ApplicationDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        // Reset and confirmation tokens: valid for one hour; the security stamp changes on use, so each works once.
        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = TimeSpan.FromHours(1));
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        // The auth cookie carries only a session key; tickets live in PostgreSQL.
        services.AddSingleton<ITicketStore, PostgresTicketStore>();
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<ITicketStore>((options, store) =>
            {
                options.SessionStore = store;
                options.LoginPath = "/Account/Login";
                options.AccessDeniedPath = "/Account/AccessDenied";
                options.ExpireTimeSpan = TimeSpan.FromDays(7);
                options.SlidingExpiration = true;
                options.Cookie.Name = "DeployGuard.Auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
            });

        services.AddAuthorization(Policies.Add);

        services.Configure<SmtpOptions>(builder.Configuration.GetSection(SmtpOptions.Section));
        services.AddSingleton<EmailSender>();
        services.AddSingleton<IEmailSender<ApplicationUser>>(sp => sp.GetRequiredService<EmailSender>());

        services.AddDataProtection().SetApplicationName("DeployGuard");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = ActivatorUtilities.CreateInstance<PostgresXmlRepository>(sp)));

        // Anonymous CLI feedback: a fixed window per client address keeps one client from flooding the learner.
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(ScanningApi.FeedbackRateLimit, context => System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) }));
        });
        builder.AddDeployments();
        builder.AddVulnerabilities();

        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
        });
    }

    public static void UseWebPipeline(this WebApplication app)
    {
        if (app.Configuration.GetValue("ForwardedHeaders:Enabled", false))
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
        app.MapAdditionalIdentityEndpoints();
        app.MapHealthEndpoints();
        app.MapAuditEndpoints();
        app.MapCatalogApi();
        app.MapScanningApi();
        app.MapDeployments();
        app.MapVulnerabilities();
    }

    /// <summary>API and hub callers get a status code, browsers a redirect to the login or access-denied page.</summary>
    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> context, int statusCode)
    {
        if (ApiProblems.IsApi(context.HttpContext))
        {
            context.Response.StatusCode = statusCode;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
