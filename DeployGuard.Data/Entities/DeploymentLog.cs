using System.Text.Json.Serialization;

namespace DeployGuard.Data.Entities;

/// <summary>One log line of a deployment (seed 03/04 logs). The identity id orders lines and pages the viewer.</summary>
public class DeploymentLog
{
    public long Id { get; set; }
    public Guid DeploymentId { get; set; }
    public Guid? StageId { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public DeploymentLogLevel Level { get; set; }
    public DeploymentLogSource Source { get; set; }
    /// <summary>Structured event name (stage_started, stdout, health_check ...).</summary>
    public string? EventType { get; set; }
    public string Message { get; set; } = "";
    /// <summary>Optional JSON details.</summary>
    public string? Data { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<DeploymentLogLevel>))]
public enum DeploymentLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

[JsonConverter(typeof(JsonStringEnumConverter<DeploymentLogSource>))]
public enum DeploymentLogSource
{
    Stage,
    System,
    Agent,
}
