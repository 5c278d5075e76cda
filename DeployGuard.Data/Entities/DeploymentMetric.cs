namespace DeployGuard.Data.Entities;

/// <summary>A named measurement of a deployment (seed 05 deployment_metrics), including every stage's duration.</summary>
public class DeploymentMetric
{
    public Guid Id { get; set; }
    public Guid DeploymentId { get; set; }
    public Guid? StageId { get; set; }
    public string Name { get; set; } = "";
    public double Value { get; set; }
    public string? Unit { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}
