namespace DeployGuard.Data.Entities;

public class Team : IAuditableEntity
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? SlackChannel { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public List<TeamMember> Members { get; set; } = [];
    public List<Service> Services { get; set; } = [];
}
