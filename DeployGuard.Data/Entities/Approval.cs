using System.Text.Json.Serialization;

namespace DeployGuard.Data.Entities;

/// <summary>One approver's decision on a deployment's approval stage (seed 05 approvals).</summary>
public class Approval
{
    public Guid Id { get; set; }
    public Guid DeploymentId { get; set; }
    public Guid StageId { get; set; }
    public string? ApproverId { get; set; }
    public string? ApproverName { get; set; }
    public ApprovalDecision Decision { get; set; }
    public string? Notes { get; set; }
    public DateTimeOffset DecidedAt { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ApprovalDecision>))]
public enum ApprovalDecision
{
    Approved,
    Rejected,
}
