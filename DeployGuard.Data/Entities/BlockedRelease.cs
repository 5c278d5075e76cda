namespace DeployGuard.Data.Entities;

/// <summary>A release that may not go to an environment again (put there by a rollback) until someone unblocks it.</summary>
public class BlockedRelease
{
    public Guid Id { get; set; }
    public Guid EnvironmentId { get; set; }
    public Guid ReleaseId { get; set; }
    public Release? Release { get; set; }
    public Guid? RollbackId { get; set; }
    public string Reason { get; set; } = "";
    public string? BlockedByName { get; set; }
    public DateTimeOffset BlockedAt { get; set; }
    public DateTimeOffset? UnblockedAt { get; set; }
    public string? UnblockedByName { get; set; }
    public string? UnblockReason { get; set; }
}
