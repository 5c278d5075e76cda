namespace DeployGuard.Data.Entities;

/// <summary>One run of an agent (seed 03 <c>agent_executions</c>): model, tokens and what it cost.</summary>
public class AgentExecution
{
    public Guid Id { get; set; }
    public Guid? DeploymentId { get; set; }
    public Guid? ScanId { get; set; }
    public string AgentName { get; set; } = "";
    public string AgentVersion { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public double? DurationSeconds { get; set; }
    public bool Success { get; set; }
    /// <summary>The provider's model name, or "deterministic" for the offline default.</summary>
    public string LlmModel { get; set; } = "";
    public string? LlmProvider { get; set; }
    public int LlmTokensInput { get; set; }
    public int LlmTokensOutput { get; set; }
    public decimal LlmCostUsd { get; set; }
    public string? Output { get; set; }
    public string? ErrorMessage { get; set; }
}
