using DeployGuard.Data.Services.Audit;
using DeployGuard.Web.Audit;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Runs the audit trail verification (hash chain and signed checkpoints) in the background for the admin badge. One
/// verification at a time per app instance; a result younger than a minute is reused, so opening the page repeatedly
/// costs nothing. A new checkpoint makes the next look verify again.
/// </summary>
internal sealed class AuditChainMonitor
{
    private readonly AuditTrailVerifier _verifier;
    private readonly TimeProvider _clock;
    private readonly ILogger<AuditChainMonitor> _logger;

    public AuditChainMonitor(AuditTrailVerifier verifier, AuditCheckpointer checkpointer, TimeProvider clock, ILogger<AuditChainMonitor> logger)
    {
        _verifier = verifier;
        _clock = clock;
        _logger = logger;
        checkpointer.Written += _ => _finishedAt = DateTimeOffset.MinValue;
    }

    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private readonly Lock _gate = new();
    private DateTimeOffset _finishedAt;

    public sealed record Status(bool Running, long Checked, AuditVerification? Last, string? Error);

    public Status State { get; private set; } = new(false, 0, null, null);

    public event Action? Changed;

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

        Changed?.Invoke();
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            var progress = new Progress<long>(n =>
            {
                State = State with { Checked = n };
                Changed?.Invoke();
            });
            var result = await _verifier.VerifyAsync(progress: progress);
            if (!result.Intact)
            {
                _logger.LogError("Audit trail verification failed at row {Id}: {Problem} {CheckpointProblems}", result.FirstBrokenId, result.Problem,
                    string.Join(" ", result.CheckpointProblems));
            }

            State = new Status(false, result.RowsChecked, result, null);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException or IOException
                                       or System.Security.Cryptography.CryptographicException)
        {
            _logger.LogWarning(ex, "Audit chain verification failed");
            State = new Status(false, 0, null, ex.Message);
        }

        _finishedAt = _clock.GetUtcNow();
        Changed?.Invoke();
    }
}
