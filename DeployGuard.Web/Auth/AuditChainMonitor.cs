using DeployGuard.Data.Services.Audit;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Runs the audit chain verification in the background for the admin badge. One verification at a time per
/// app instance; a result younger than a minute is reused, so opening the page repeatedly costs nothing.
/// </summary>
public sealed class AuditChainMonitor(AuditChainVerifier verifier, TimeProvider clock, ILogger<AuditChainMonitor> logger)
{
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
            if (State.Running || (!force && State.Last is not null && clock.GetUtcNow() - _finishedAt < Freshness))
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
            var result = await verifier.VerifyAsync(progress);
            if (!result.Intact)
            {
                logger.LogError("Audit chain broken at row {Id}: {Problem}", result.FirstBrokenId, result.Problem);
            }

            State = new Status(false, result.RowsChecked, result, null);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Audit chain verification failed");
            State = new Status(false, 0, null, ex.Message);
        }

        _finishedAt = clock.GetUtcNow();
        Changed?.Invoke();
    }
}
