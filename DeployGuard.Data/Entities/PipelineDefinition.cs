namespace DeployGuard.Data.Entities;

/// <summary>A service's pipeline: the YAML people edit, and the stages parsed from it (jsonb) that deployments copy.</summary>
public class PipelineDefinition : IAuditableEntity
{
    public Guid Id { get; set; }
    public Guid ServiceId { get; set; }
    public Service? Service { get; set; }
    public string Yaml { get; set; } = "";
    /// <summary>JSON array of the parsed stage definitions.</summary>
    public string Stages { get; set; } = "[]";
    /// <summary>Counts saves, so a deployment can say which revision it ran.</summary>
    public int Revision { get; set; }
    public string? UpdatedById { get; set; }
    public string? UpdatedByName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
