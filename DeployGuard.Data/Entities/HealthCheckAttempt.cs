using System.Text.Json.Serialization;

namespace DeployGuard.Data.Entities;

/// <summary>One probe of a health_check stage (seed 03/04 health checks).</summary>
public class HealthCheckAttempt
{
    public Guid Id { get; set; }
    public Guid DeploymentId { get; set; }
    public Guid StageId { get; set; }
    public HealthCheckType CheckType { get; set; }
    public string Url { get; set; } = "";
    public int? StatusCode { get; set; }
    public int? LatencyMs { get; set; }
    public bool Healthy { get; set; }
    public string? BodyExcerpt { get; set; }
    public int Attempt { get; set; }
    public int MaxAttempts { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset CheckedAt { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<HealthCheckType>))]
public enum HealthCheckType
{
    Http,
    Tcp,
}
