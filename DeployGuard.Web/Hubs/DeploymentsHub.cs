using DeployGuard.Data.Services.Deployments;
using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace DeployGuard.Web.Hubs;

/// <summary>
/// Live deployment events for clients that are not Blazor pages (CLIs, dashboards, tests). Authorised like the UI:
/// a signed-in user with a role. Call Subscribe(deploymentId), then receive StageChanged, LogAppended,
/// DeploymentFinished (and DeploymentChanged, ApprovalDecided, HealthCheckRecorded, GateDecided, MetricRecorded).
/// </summary>
[Authorize(Policy = Policies.Read)]
internal sealed class DeploymentsHub(DeploymentQueries queries) : Hub
{
    public const string Path = "/hubs/deployments";

    public static string Group(Guid deploymentId) => $"deployment:{deploymentId:N}";

    public async Task Subscribe(Guid deploymentId)
    {
        if (!await queries.ExistsAsync(deploymentId, Context.ConnectionAborted))
        {
            throw new HubException($"Deployment {deploymentId} does not exist.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, Group(deploymentId), Context.ConnectionAborted);
    }

    public Task Unsubscribe(Guid deploymentId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(deploymentId), Context.ConnectionAborted);
}
