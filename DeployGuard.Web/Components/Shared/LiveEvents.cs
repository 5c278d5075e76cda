using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Events;

namespace DeployGuard.Web.Components.Shared;

/// <summary>
/// Which events a page refreshes on: the topics (by default a deployment's three: deployments, stages, approvals), one
/// entity's events or all (<see cref="DeploymentId"/> names the entity for every topic: a deployment, or a scan for
/// <see cref="Topics.Scans"/> and friends), and for deployment events which kinds (null: every kind).
/// </summary>
public sealed record LiveFilter(Guid? DeploymentId = null, IReadOnlySet<DeploymentEventKind>? Kinds = null)
{
    /// <summary>The topics followed; null means the deployments' three (<see cref="Topics.OfDeployments"/>).</summary>
    public IReadOnlyList<ITopic>? On { get; init; }

    /// <summary>Lists of deployments: a deployment was queued, started, changed or finished.</summary>
    public static LiveFilter DeploymentLists { get; } = new(Kinds: new HashSet<DeploymentEventKind>
    {
        DeploymentEventKind.DeploymentChanged, DeploymentEventKind.DeploymentFinished,
    });

    /// <summary>Every event of one topic, about one entity (a scan, a deployment) or all of them.</summary>
    public static LiveFilter Of(ITopic topic, Guid? entityId = null) => new(entityId) { On = [topic] };

    public IReadOnlyList<ITopic> Topics => On ?? Data.Services.Events.Topics.OfDeployments;

    public bool Accepts(BusEvent e) =>
        // A resync means events may have been lost while the listener was down: everyone reloads.
        e is not DeploymentEvent d || d.Kind == DeploymentEventKind.Resync || Kinds is null || Kinds.Contains(d.Kind);
}

/// <summary>
/// The kit's one seam to the event bus: LiveRefresh subscribes here, never to the bus itself, so a page follows any
/// topic through a <see cref="LiveFilter"/> and the pages never see the bus's API.
/// </summary>
public sealed class LiveEvents(EventBus bus)
{
    /// <summary>
    /// Calls <paramref name="changed"/> (on the publishing thread: queue work only) for each matching event, and after a
    /// reconnect of the bus's listener (events may have been missed).
    /// </summary>
    public IDisposable Subscribe(LiveFilter filter, Action changed) => bus.Subscribe(filter.Topics, filter.DeploymentId, e =>
    {
        if (filter.Accepts(e))
        {
            changed();
        }
    }, onResync: changed);
}
