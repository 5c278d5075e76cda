namespace DeployGuard.Data.Entities;

/// <summary>
/// One version of an environment's security policy: ordered conditions (JSON, see <c>PolicyCondition</c>) and what to
/// do when the release's commit has no scan. Versions are never changed, only added, so a gate decision names the
/// exact rules it applied.
/// </summary>
public class SecurityPolicyVersion
{
    public Guid Id { get; set; }
    public Guid EnvironmentId { get; set; }
    public int Version { get; set; }
    public string Conditions { get; set; } = "[]";
    public string? Note { get; set; }
    public string? CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
