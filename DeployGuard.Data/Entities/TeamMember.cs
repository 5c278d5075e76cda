namespace DeployGuard.Data.Entities;

public class TeamMember
{
    public Guid TeamId { get; set; }
    public Team? Team { get; set; }
    public string UserId { get; set; } = "";
    public ApplicationUser? User { get; set; }
    public DateTimeOffset AddedAt { get; set; }
}
