namespace DeployGuard.Data.Entities;

/// <summary>A deployment target (seed 05 environments). Named so to stay clear of System.Environment.</summary>
public class DeploymentEnvironment : IAuditableEntity
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public EnvironmentType Type { get; set; }
    /// <summary>Promotion order: a release goes to a higher order only after succeeding on the one before.</summary>
    public int SortOrder { get; set; }
    public bool IsProtected { get; set; }
    public int RequiredApprovals { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public enum EnvironmentType
{
    Development,
    Staging,
    Production,
}
