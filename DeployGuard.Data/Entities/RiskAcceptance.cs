namespace DeployGuard.Data.Entities;

/// <summary>
/// A decision to live with a finding for a while: who asked, who approved, why, until when. It ends when it expires
/// (the finding re-opens and blocks again), when the finding is fixed, or when someone revokes it.
/// </summary>
public class RiskAcceptance
{
    public Guid Id { get; set; }
    public Guid? VulnerabilityFindingId { get; set; }
    public Guid? SecretFindingId { get; set; }
    public string Reason { get; set; } = "";
    public string? RequestedById { get; set; }
    public string? RequestedByName { get; set; }
    public string? ApprovedById { get; set; }
    public string ApprovedByName { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    /// <summary>expired, fixed, revoked.</summary>
    public string? EndReason { get; set; }
}
