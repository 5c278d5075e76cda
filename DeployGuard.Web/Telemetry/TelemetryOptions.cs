using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Telemetry;

/// <summary>Metrics and traces for operators (section <c>Telemetry</c>; docs/operations.md).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    public MetricsOptions Metrics { get; set; } = new();

    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>How often the gauges that need a count (queue depth, approvals waiting) are counted again.</summary>
    public int RefreshSeconds { get; set; } = 15;

    public sealed class MetricsOptions
    {
        /// <summary>Serve the Prometheus scrape endpoint.</summary>
        public bool Enabled { get; set; } = true;

        public string Path { get; set; } = "/metrics";

        /// <summary>
        /// A port of its own for the scrape endpoint (a management network, no sign-in). Unset: the endpoint is on the app's
        /// port and answers admins (session or API token) and holders of <see cref="Token"/> only.
        /// </summary>
        public int? Port { get; set; }

        /// <summary>A scrape-only secret: <c>Authorization: Bearer &lt;token&gt;</c> reads the metrics and nothing else.</summary>
        public string? Token { get; set; }
    }

    public sealed class OtlpOptions
    {
        /// <summary>Where traces (and metrics) go over OTLP, e.g. http://otel-collector:4317. Unset: no export.</summary>
        public string? Endpoint { get; set; }

        /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
        public string Protocol { get; set; } = "grpc";
    }
}

/// <summary>Bad telemetry settings stop start-up with a message naming the key.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var errors = new List<string>();
        var metrics = options.Metrics;
        if (!metrics.Path.StartsWith('/') || metrics.Path.Length < 2)
        {
            errors.Add($"Telemetry:Metrics:Path must start with / (is '{metrics.Path}').");
        }

        if (metrics.Port is { } port && port is < 1 or > 65535)
        {
            errors.Add($"Telemetry:Metrics:Port must be 1 to 65535 (is {port}).");
        }

        if (metrics.Token is { } token && token.Length < 24)
        {
            errors.Add("Telemetry:Metrics:Token must be at least 24 characters (it is a password: generate it, e.g. `openssl rand -hex 24`).");
        }

        if (options.Otlp.Endpoint is { } endpoint &&
            (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add($"Telemetry:Otlp:Endpoint must be an http(s) URL like http://otel-collector:4317 (is '{endpoint}').");
        }

        if (options.Otlp.Protocol is not ("grpc" or "http/protobuf"))
        {
            errors.Add($"Telemetry:Otlp:Protocol must be grpc or http/protobuf (is '{options.Otlp.Protocol}').");
        }

        if (options.RefreshSeconds is < 1 or > 3600)
        {
            errors.Add($"Telemetry:RefreshSeconds must be 1 to 3600 (is {options.RefreshSeconds}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
