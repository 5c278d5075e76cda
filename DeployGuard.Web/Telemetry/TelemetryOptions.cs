using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Web.Telemetry;

/// <summary>Metrics and traces for operators (section <c>Telemetry</c>; docs/operations.md).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>How often the gauges that need a count (queue depth, approvals waiting) are counted again.</summary>
    [Range(1, 3600)]
    public int RefreshSeconds { get; set; } = 15;
}

/// <summary>The Prometheus scrape endpoint (section <c>Telemetry:Metrics</c>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Telemetry:Metrics";

    /// <summary>Serve the Prometheus scrape endpoint.</summary>
    public bool Enabled { get; set; } = true;

    [Required]
    [RegularExpression(@"^/[^\s?#]+$", ErrorMessage = "{0} must be a path starting with / (like /metrics).")]
    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// A port of its own for the scrape endpoint (a management network, no sign-in). Unset: the endpoint is on the app's
    /// port and answers admins (session or API token) and holders of <see cref="Token"/> only.
    /// </summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>A scrape-only secret: <c>Authorization: Bearer &lt;token&gt;</c> reads the metrics and nothing else.</summary>
    [MinLength(24, ErrorMessage = "{0} must be at least 24 characters (it is a password: generate it, e.g. `openssl rand -hex 24`).")]
    public string? Token { get; set; }
}

/// <summary>Export over OTLP (section <c>Telemetry:Otlp</c>).</summary>
public sealed class OtlpOptions
{
    public const string Section = "Telemetry:Otlp";

    /// <summary>Where traces (and metrics) go over OTLP, e.g. http://otel-collector:4317. Unset: no export.</summary>
    [RegularExpression(@"^https?://[^\s/?#]+(/\S*)?$", ErrorMessage = "{0} must be an http(s) URL like http://otel-collector:4317.")]
    public string? Endpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    [AllowedValues("grpc", "http/protobuf", ErrorMessage = "{0} must be grpc or http/protobuf.")]
    public string Protocol { get; set; } = "grpc";

    public Uri? ResolveEndpoint() => Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;
}
