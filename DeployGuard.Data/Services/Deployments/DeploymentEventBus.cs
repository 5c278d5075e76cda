using DeployGuard.Data.Services.Events;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// The deployments' side of the <see cref="EventBus"/>: one subscription covers a deployment's three topics (deployments,
/// stages, approvals), and each event is published on its topic. Kept so pages and workers written against it (and the
/// kit's live-refresh component) need not know the topics.
/// </summary>
public sealed class DeploymentEventBus(EventBus bus)
{
    /// <summary>The bus's NOTIFY channel (what an instance LISTENs on).</summary>
    public const string Channel = EventBus.Channel;

    public string InstanceId => bus.InstanceId;

    public int SubscriberCount => bus.SubscriberCount;

    /// <summary>Subscribes to one deployment's events, or to all when <paramref name="deploymentId"/> is null. Dispose to stop.</summary>
    public IDisposable Subscribe(Guid? deploymentId, Action<DeploymentEvent> handler) =>
        bus.Subscribe(Topics.OfDeployments, deploymentId, e => handler((DeploymentEvent)e),
            () => handler(new DeploymentEvent(DeploymentEventKind.Resync, Guid.Empty) { Origin = bus.InstanceId }));

    public Task PublishAsync(DeploymentEvent e, CancellationToken ct = default) => PublishAsync([e], ct);

    /// <summary>Publishes a transaction's events in order (after its commit).</summary>
    public Task PublishAsync(IEnumerable<DeploymentEvent> events, CancellationToken ct = default) =>
        bus.PublishAsync(events.Select(e => new Published(TopicOf(e), e)), ct);

    /// <summary>Tells every local subscriber to reload.</summary>
    public void DispatchResync() => bus.DispatchResync();

    public static Topic<DeploymentEvent> TopicOf(DeploymentEvent e) => e.Kind switch
    {
        DeploymentEventKind.StageChanged => Topics.Stages,
        DeploymentEventKind.ApprovalRequested or DeploymentEventKind.ApprovalDecided => Topics.Approvals,
        _ => Topics.Deployments,
    };
}

/// <summary>Log events cross instances as an id range; the lines are read here once per instance, and only when someone watches.</summary>
internal sealed class LogLinesEnricher(LogStore logs) : IRemoteEventEnricher
{
    public ITopic Topic => Topics.Deployments;

    public async ValueTask<BusEvent?> EnrichAsync(BusEvent e, EventBus bus, CancellationToken ct)
    {
        if (e is not DeploymentEvent { Kind: DeploymentEventKind.LogAppended } log)
        {
            return e;
        }

        return bus.HasSubscribers(Topics.Deployments, log.DeploymentId)
            ? log with { Lines = await logs.RangeAsync(log.DeploymentId, log.FirstLogId, log.LastLogId, ct) }
            : null;
    }
}
