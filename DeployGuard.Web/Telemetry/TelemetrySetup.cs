using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Services.Telemetry;
using DeployGuard.Data.Settings;
using DeployGuard.Data.Services.Users;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using DeployGuard.Web.Auth;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DeployGuard.Web.Telemetry;

/// <summary>
/// OpenTelemetry for operators: DeployGuard's own meter (deployments, stages, jobs, scans, events, circuits, approvals),
/// ASP.NET Core and Npgsql instrumentation, a Prometheus scrape endpoint, and OTLP export of traces when configured
/// (every stage of a deployment in one trace).
/// </summary>
internal static class TelemetrySetup
{
    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section);
        builder.Services.AddValidatedOptions<MetricsOptions>(MetricsOptions.Section);
        builder.Services.AddValidatedOptions<OtlpOptions>(OtlpOptions.Section);
        // The exporters are wired now, from the values the validators check when the app starts (with every other section's
        // failures at once, which GetValidated here would cut short); an invalid endpoint is simply not wired meanwhile.
        var metricsSettings = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        var otlpSettings = builder.Configuration.GetSection(OtlpOptions.Section).Get<OtlpOptions>() ?? new OtlpOptions();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("deployguard", serviceInstanceId: $"{Environment.MachineName}/{Environment.ProcessId}"));
        var otlp = otlpSettings.ResolveEndpoint();
        var protocol = otlpSettings.Protocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        if (metricsSettings.Enabled || otlp is not null)
        {
            otel.WithMetrics(metrics =>
            {
                metrics.AddMeter(DeployGuardTelemetry.Name).AddAspNetCoreInstrumentation().AddNpgsqlInstrumentation();
                if (metricsSettings.Enabled)
                {
                    metrics.AddPrometheusExporter(o => o.ScrapeEndpointPath = metricsSettings.Path);
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (otlp, protocol));
                }
            });
            builder.Services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, CircuitMetrics>());
            builder.Services.AddHostedService<GaugeRefresher>();
        }

        if (otlp is not null)
        {
            // Traces cost only when someone collects them.
            otel.WithTracing(tracing => tracing.AddSource(DeployGuardTelemetry.Name).AddAspNetCoreInstrumentation().AddNpgsql()
                .AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (otlp, protocol)));
        }

        if (metricsSettings is { Enabled: true, Port: { } port })
        {
            // The scrape port next to the app's own (a Listen call in Kestrel's options would drop --urls instead).
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, $"{ServerUrls(builder.Configuration)};http://*:{port}");
        }
    }

    /// <summary>The scrape endpoint: on its own port, or on the app's port for admins and the scrape token.</summary>
    public static void MapTelemetry(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!metrics.Enabled)
        {
            return;
        }

        if (metrics.Port is { } port)
        {
            app.MapPrometheusScrapingEndpoint(metrics.Path).RequireHost($"*:{port}");
            return;
        }

        var token = metrics.Token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(metrics.Token));
        app.MapPrometheusScrapingEndpoint(metrics.Path, null, branch => branch.Use(async (context, next) =>
        {
            if (Allowed(context, token))
            {
                await next(context);
                return;
            }

            // Said without a redirect to the sign-in page: the caller is a scraper.
            context.Response.StatusCode = context.User.Identity?.IsAuthenticated == true ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }), null);
    }

    private static bool Allowed(HttpContext context, byte[]? token)
    {
        // An admin, but not a CI token scoped to one service that an admin owns: such a token reaches only the routes that
        // opt in (ServiceTokens), and metrics are not one of them.
        if (context.User.IsInRole(Roles.Admin) && !context.User.HasClaim(c => c.Type == ApiTokenAuthenticationHandler.ServiceScopeClaim))
        {
            return true;
        }

        var header = context.Request.Headers.Authorization.ToString();
        // Compared as hashes in constant time: neither the length nor a prefix of the token leaks through timing.
        return token is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) &&
               CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim())), token);
    }

    private static string ServerUrls(IConfiguration configuration) =>
        configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls ? urls
        : configuration["http_ports"] is { Length: > 0 } ports ? string.Join(';', ports.Split(';').Select(p => $"http://*:{p.Trim()}"))
        : "http://localhost:5000";
}
