namespace DeployGuard.Web.Components.Deployments;

/// <summary>
/// Re-renders one component every second while <see cref="Active"/> says so (running durations), so only that small
/// component diffs each tick, not the whole page.
/// </summary>
internal sealed class Ticker(Func<Task> render, Func<bool> active) : IDisposable
{
    private readonly PeriodicTimer _timer = new(TimeSpan.FromSeconds(1));

    public void Start() => _ = RunAsync();

    private async Task RunAsync()
    {
        try
        {
            while (await _timer.WaitForNextTickAsync())
            {
                if (active())
                {
                    await render();
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The component went away.
        }
    }

    public void Dispose() => _timer.Dispose();
}
