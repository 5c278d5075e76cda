using System.Text.Json.Serialization;

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
    /// <summary>Branch patterns releases must come from to be deployed here (comma separated, '*' wildcard); empty allows any.</summary>
    public string? AllowedBranches { get; set; }
    /// <summary>When not empty, only approvers who are members of one of these teams count.</summary>
    public List<Guid> ApprovalTeamIds { get; set; } = [];
    /// <summary>Seconds to wait after the last approval before the next stage starts.</summary>
    public int WaitTimerSeconds { get; set; }
    /// <summary>How the security gate judges stored findings for deployments to this environment.</summary>
    public SecurityPolicy SecurityPolicy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Security gate policies, from the default (Standard) to the strictest.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SecurityPolicy>))]
public enum SecurityPolicy
{
    /// <summary>Critical findings reject; high findings warn.</summary>
    Standard,
    /// <summary>Critical or high findings reject; medium findings warn.</summary>
    Strict,
    /// <summary>Findings only warn.</summary>
    Permissive,
}

public enum EnvironmentType
{
    Development,
    Staging,
    Production,
}
