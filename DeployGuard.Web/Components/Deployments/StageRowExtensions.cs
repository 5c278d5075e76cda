using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;

namespace DeployGuard.Web.Components.Deployments;

internal static class StageRowExtensions
{
    public static bool IsFinishedStatus(this StageRow stage) => stage.Status is not (StageStatus.Pending or StageStatus.Running);

    public static bool IsActive(this DeploymentStatus status) => status is DeploymentStatus.Queued or DeploymentStatus.Running;
}
