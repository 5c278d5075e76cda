using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DeployGuard.Data.Services.Telemetry;

/// <summary>
/// DeployGuard's own meter and activity source. Instruments are recorded with the BCL's System.Diagnostics types; the web
/// app's OpenTelemetry set-up exports them (Prometheus scrape, OTLP), tests read them with a MeterListener.
/// </summary>
public static class DeployGuardTelemetry
{
    public const string Name = "DeployGuard";

    public static readonly Meter Meter = new(Name, "1.0");

    public static readonly ActivitySource Activities = new(Name, "1.0");
}
