namespace DeployGuard.Web.Components.Deployments;

/// <summary>
/// Re-renders one component every second while <see cref="Active"/> says so (running durations), so only that small
/// component diffs each tick, not the whole page. A clock for the display, not a poll: nothing is read on a tick.
/// </summary>
internal sealed class Ticker(TimeProvider clock, Func<Task> render, Func<bool> active) : IDisposable
{
    private ITimer? _timer;

    public void Start() => _timer = clock.CreateTimer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    private void Tick()
    {
        if (active())
        {
            _ = render();
        }
    }

    public void Dispose() => _timer?.Dispose();
}
