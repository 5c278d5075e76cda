namespace DeployGuard.Data.Entities;

/// <summary>A scheduled period in which nothing may be deployed to an environment (Admins may override, audited).</summary>
public class FreezeWindow
{
    public Guid Id { get; set; }
    public Guid EnvironmentId { get; set; }
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public string Reason { get; set; } = "";
    public string? CreatedByName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
