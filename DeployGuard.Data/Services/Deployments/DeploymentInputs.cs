using System.ComponentModel.DataAnnotations;
using DeployGuard.Data.Configurations;
using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Deployments;

public sealed class StartDeploymentInput
{
    [Required(ErrorMessage = "Choose the release to deploy.")]
    public Guid? ReleaseId { get; set; }

    [Required(ErrorMessage = "Choose the environment to deploy to.")]
    public Guid? EnvironmentId { get; set; }

    public DeploymentStrategy Strategy { get; set; } = DeploymentStrategy.Rolling;

    public DeploymentTrigger Trigger { get; set; } = DeploymentTrigger.Manual;

    /// <summary>Admins only: deploy despite a freeze window or the promotion order, for this reason (audited).</summary>
    [StringLength(FieldLengths.Reason, ErrorMessage = "The reason must be at most {1} characters.")]
    public string? OverrideReason { get; set; }
}

public sealed class RollbackInput
{
    /// <summary>The release to go back to; default: the last release that succeeded in the environment before this one.</summary>
    public Guid? TargetReleaseId { get; set; }

    [Required(ErrorMessage = "Say why you roll back.")]
    [StringLength(FieldLengths.Reason, MinimumLength = 3, ErrorMessage = "The reason must be {2} to {1} characters.")]
    public string Reason { get; set; } = "";
}

public sealed class CancelInput
{
    [StringLength(FieldLengths.Reason, ErrorMessage = "The reason must be at most {1} characters.")]
    public string? Reason { get; set; }
}

public sealed class ExternalReportInput
{
    [Required(ErrorMessage = "Say whether the stage succeeded (true or false).")]
    public bool? Succeeded { get; set; }

    [StringLength(FieldLengths.Reason, ErrorMessage = "The message must be at most {1} characters.")]
    public string? Message { get; set; }
}

public sealed class MetricInput
{
    [Required(ErrorMessage = "Name is required.")]
    [RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", ErrorMessage = "Name uses letters, digits, '.', '_' and '-' (at most 100).")]
    public string Name { get; set; } = "";

    [Required(ErrorMessage = "Value is required.")]
    public double? Value { get; set; }

    [StringLength(20, ErrorMessage = "Unit must be at most {1} characters.")]
    public string? Unit { get; set; }
}

public sealed class ApprovalInput
{
    public bool Approve { get; set; }

    [StringLength(FieldLengths.Reason, ErrorMessage = "The note must be at most {1} characters.")]
    public string? Notes { get; set; }
}
