using System.Threading.Channels;
using DeployGuard.Data.Services.Deployments;
using Microsoft.AspNetCore.SignalR;

namespace DeployGuard.Web.Hubs;

/// <summary>
/// Forwards bus events to the hub group of their deployment. One queue and one sender keep each deployment's events in
/// order (log lines must not overtake each other).
/// </summary>
internal sealed class DeploymentHubForwarder(DeploymentEventBus bus, IHubContext<DeploymentsHub> hub, ILogger<DeploymentHubForwarder> logger)
    : BackgroundService
{
    private readonly Channel<DeploymentEvent> _queue = Channel.CreateBounded<DeploymentEvent>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = bus.Subscribe(null, e =>
        {
            if (e.Kind is not (DeploymentEventKind.CancelRequested or DeploymentEventKind.ApprovalRequested))
            {
                _queue.Writer.TryWrite(e);
            }
        });
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    // A resync concerns every subscription: clients re-read the deployments they watch.
                    var clients = e.Kind == DeploymentEventKind.Resync ? hub.Clients.All : hub.Clients.Group(DeploymentsHub.Group(e.DeploymentId));
                    await clients.SendAsync(e.Kind.ToString(), Message(e), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Forwarding {Kind} to hub clients failed", e.Kind);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private static object Message(DeploymentEvent e) => e.Kind switch
    {
        DeploymentEventKind.LogAppended => new { e.DeploymentId, e.StageId, e.FirstLogId, e.LastLogId, Lines = e.Lines ?? [], e.At },
        // What a page patches itself with travels to hub clients too (the stage, the deployment's state, the row added).
        _ => new { e.DeploymentId, e.StageId, e.StageName, e.Status, e.Message, e.At, e.Stage, e.Deployment, e.Approval, e.HealthCheck, e.Gate, e.Metrics },
    };
}
