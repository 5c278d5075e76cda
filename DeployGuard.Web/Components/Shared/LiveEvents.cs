using DeployGuard.Data.Services.Deployments;

namespace DeployGuard.Web.Components.Shared;

/// <summary>Which events a page refreshes on: one deployment's or all, and which kinds (null: every kind).</summary>
public sealed record LiveFilter(Guid? DeploymentId = null, IReadOnlySet<DeploymentEventKind>? Kinds = null)
{
    /// <summary>Lists of deployments: a deployment was queued, started, changed or finished.</summary>
    public static LiveFilter DeploymentLists { get; } = new(Kinds: new HashSet<DeploymentEventKind>
    {
        DeploymentEventKind.DeploymentChanged, DeploymentEventKind.DeploymentFinished,
    });

    public bool Accepts(DeploymentEvent e) =>
        // A resync means events may have been lost while the listener was down: everyone reloads.
        e.Kind == DeploymentEventKind.Resync || Kinds is null || Kinds.Contains(e.Kind);
}

/// <summary>
/// The kit's one seam to the event bus: LiveRefresh subscribes here, never to the bus itself, so pointing the kit at a
/// bus with more topics (scans, findings, audit) changes this class and LiveFilter, not the pages.
/// </summary>
public sealed class LiveEvents(DeploymentEventBus bus)
{
    /// <summary>Calls <paramref name="changed"/> (on the publishing thread: queue work only) for each matching event.</summary>
    public IDisposable Subscribe(LiveFilter filter, Action changed) => bus.Subscribe(filter.DeploymentId, e =>
    {
        if (filter.Accepts(e))
        {
            changed();
        }
    });
}
