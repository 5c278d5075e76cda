namespace DeployGuard.Data.Entities;

/// <summary>A deployable service: seed 05's services merged with seed 04's projects.</summary>
public class Service : IAuditableEntity
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? RepositoryUrl { get; set; }
    public string DefaultBranch { get; set; } = "main";
    public string? BuildCommand { get; set; }
    public ServiceRuntime Runtime { get; set; } = ServiceRuntime.Docker;
    public bool AutoDeployEnabled { get; set; }
    /// <summary>Reachable from the internet: raises the priority of its vulnerabilities (exposure).</summary>
    public bool InternetFacing { get; set; }
    public string? AutoDeployBranch { get; set; }
    public Guid? TeamId { get; set; }
    public Team? Team { get; set; }
    public string? OwnerId { get; set; }
    public ApplicationUser? Owner { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public enum ServiceRuntime
{
    Static,
    Docker,
    NodeJs,
    DotNet,
    Python,
    Go,
    Java,
    Other,
}
