using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Pipelines;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>Everything a runner needs to know about the deployment a stage belongs to.</summary>
public sealed record DeploymentContext(Guid DeploymentId, Guid ReleaseId, string Version, string? CommitSha, string? Branch, Guid ServiceId,
    string ServiceName, string? RepositoryUrl, Guid EnvironmentId, string EnvironmentName, EnvironmentType EnvironmentType,
    SecurityPolicy SecurityPolicy, DeploymentStrategy Strategy, string? TriggeredByName, string? PreviousVersion, string? DeployedUrl)
{
    /// <summary>The DG_* variables every command sees.</summary>
    public Dictionary<string, string> Variables(string stageName) => new(StringComparer.Ordinal)
    {
        ["DG_DEPLOYMENT_ID"] = DeploymentId.ToString(),
        ["DG_RELEASE_ID"] = ReleaseId.ToString(),
        ["DG_RELEASE_VERSION"] = Version,
        ["DG_COMMIT_SHA"] = CommitSha ?? "",
        ["DG_BRANCH"] = Branch ?? "",
        ["DG_SERVICE"] = ServiceName,
        ["DG_REPOSITORY_URL"] = RepositoryUrl ?? "",
        ["DG_ENVIRONMENT"] = EnvironmentName,
        ["DG_ENVIRONMENT_TYPE"] = EnvironmentType.ToString().ToLowerInvariant(),
        ["DG_STRATEGY"] = Strategy.ToString().ToLowerInvariant(),
        ["DG_TRIGGERED_BY"] = TriggeredByName ?? "",
        ["DG_PREVIOUS_VERSION"] = PreviousVersion ?? "",
        ["DG_DEPLOYED_URL"] = DeployedUrl ?? "",
        ["DG_STAGE"] = stageName,
    };
}

/// <summary>A stage a runner has claimed and must now execute, heartbeat and complete.</summary>
public sealed record ClaimedStage(Guid StageId, Guid DeploymentId, string Name, StageKind Kind, int Position, StageDefinition Definition,
    DeploymentContext Context, DateTimeOffset StartedAt);

/// <summary>How a stage ended.</summary>
public sealed record StageOutcome(StageStatus Status, int? ExitCode = null, string? Error = null)
{
    /// <summary>For a failed stage: the deployment's final status (Rejected for a rejected approval, else Failed).</summary>
    public DeploymentStatus EndDeploymentAs { get; init; } = DeploymentStatus.Failed;

    /// <summary>For a succeeded stage: the next stage may not start before this (the environment's wait timer).</summary>
    public DateTimeOffset? NextNotBefore { get; init; }

    public static StageOutcome Succeeded(int? exitCode = null) => new(StageStatus.Succeeded, exitCode);

    public static StageOutcome Failed(string error, int? exitCode = null) => new(StageStatus.Failed, exitCode, error);
}

/// <summary>A stage the sweep marked failed because its runner stopped heartbeating.</summary>
public sealed record RecoveredStage(Guid StageId, Guid DeploymentId, string? ClaimedBy, int? ProcessId);
