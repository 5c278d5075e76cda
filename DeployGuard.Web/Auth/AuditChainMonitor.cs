using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Events;
using DeployGuard.Web.Audit;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Runs the audit trail verification (hash chain and signed checkpoints) in the background for the admin badge. One
/// verification at a time per app instance; a result younger than a minute is reused, so opening the page repeatedly
/// costs nothing. A new checkpoint makes the next look verify again. Its progress and result go out on the event bus
/// (topic audit), so every open badge, on any instance, shows them live.
/// </summary>
internal sealed class AuditChainMonitor
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);
    private readonly AuditTrailVerifier _verifier;
    private readonly EventBus _bus;
    private readonly TimeProvider _clock;
    private readonly ILogger<AuditChainMonitor> _logger;
    private readonly Lock _gate = new();
    private DateTimeOffset _finishedAt;
    private DateTimeOffset _announcedAt;

    public AuditChainMonitor(AuditTrailVerifier verifier, AuditCheckpointer checkpointer, EventBus bus, TimeProvider clock,
        ILogger<AuditChainMonitor> logger)
    {
        _verifier = verifier;
        _bus = bus;
        _clock = clock;
        _logger = logger;
        checkpointer.Written += _ => _finishedAt = DateTimeOffset.MinValue;
    }

    public AuditEvent State { get; private set; } = new(false, 0, null, null);

    public void Start(bool force)
    {
        lock (_gate)
        {
            if (State.Running || (!force && State.Last is not null && _clock.GetUtcNow() - _finishedAt < Freshness))
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
                if (_clock.GetUtcNow() - _announcedAt >= ProgressEvery)
                {
                    Announce();
                }
            });
            var result = await _verifier.VerifyAsync(progress: progress);
            if (!result.Intact)
            {
                _logger.LogError("Audit trail verification failed at row {Id}: {Problem} {CheckpointProblems}", result.FirstBrokenId, result.Problem,
                    string.Join(" ", result.CheckpointProblems));
            }

            State = new AuditEvent(false, result.RowsChecked, result, null);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException or IOException
                                       or System.Security.Cryptography.CryptographicException)
        {
            _logger.LogWarning(ex, "Audit chain verification failed");
            State = new AuditEvent(false, 0, null, ex.Message);
        }

        _finishedAt = _clock.GetUtcNow();
        Announce();
    }

    private void Announce()
    {
        _announcedAt = _clock.GetUtcNow();
        _ = _bus.PublishAsync(Topics.Audit, State);
    }
}
