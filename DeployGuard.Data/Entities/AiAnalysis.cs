namespace DeployGuard.Data.Entities;

/// <summary>An AI agent's analysis of a scan (seed 02 <c>ai_analyses</c>). Deleted with its scan.</summary>
public class AiAnalysis
{
    public Guid Id { get; set; }
    public Guid ScanId { get; set; }
    /// <summary>prioritization, supply_chain, remediation, security.</summary>
    public string AgentType { get; set; } = "";
    public string? InputData { get; set; }
    public string? OutputData { get; set; }
    public int? TokensUsed { get; set; }
    public int? ProcessingTimeMs { get; set; }
    public Guid? AgentExecutionId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
