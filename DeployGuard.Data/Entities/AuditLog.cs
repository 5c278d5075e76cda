namespace DeployGuard.Data.Entities;

/// <summary>
/// One row of the append-only, hash-chained audit trail (seed 05 audit_logs). The database assigns
/// <see cref="Id"/>, <see cref="PrevHash"/> and <see cref="Hash"/> in a trigger under an advisory lock,
/// so concurrent writers cannot fork the chain; see Migrations/Sql/AuditChain.sql.
/// </summary>
public class AuditLog
{
    public long Id { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? UserId { get; set; }
    public string? UserName { get; set; }
    public string Action { get; set; } = "";
    public string ResourceType { get; set; } = "";
    public string? ResourceId { get; set; }
    /// <summary>JSON object (jsonb).</summary>
    public string Details { get; set; } = "{}";
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
    public string PrevHash { get; set; } = "";
    public string Hash { get; set; } = "";
}
