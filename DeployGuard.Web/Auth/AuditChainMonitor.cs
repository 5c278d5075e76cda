using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Events;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Runs the audit chain verification in the background for the admin badge. One verification at a time per
/// app instance; a result younger than a minute is reused, so opening the page repeatedly costs nothing. Its progress
/// and result go out on the event bus (topic audit), so every open badge, on any instance, shows them live.
/// </summary>
public sealed class AuditChainMonitor(AuditChainVerifier verifier, EventBus bus, TimeProvider clock, ILogger<AuditChainMonitor> logger)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);
    private readonly Lock _gate = new();
    private DateTimeOffset _finishedAt;
    private DateTimeOffset _announcedAt;

    public AuditEvent State { get; private set; } = new(false, 0, null, null);

    public void Start(bool force)
    {
        lock (_gate)
        {
            if (State.Running || (!force && State.Last is not null && clock.GetUtcNow() - _finishedAt < Freshness))
            {
                return;
            }

            State = State with { Running = true, Checked = 0 };
        }

        Announce();
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            var progress = new Progress<long>(n =>
            {
                State = State with { Checked = n };
                // A few times a second is live enough for a badge (and for NOTIFY).
                if (clock.GetUtcNow() - _announcedAt >= ProgressEvery)
                {
                    Announce();
                }
            });
            var result = await verifier.VerifyAsync(progress);
            if (!result.Intact)
            {
                logger.LogError("Audit chain broken at row {Id}: {Problem}", result.FirstBrokenId, result.Problem);
            }

            State = new AuditEvent(false, result.RowsChecked, result, null);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Audit chain verification failed");
            State = new AuditEvent(false, 0, null, ex.Message);
        }

        _finishedAt = clock.GetUtcNow();
        Announce();
    }

    private void Announce()
    {
        _announcedAt = clock.GetUtcNow();
        _ = bus.PublishAsync(Topics.Audit, State);
    }
}
