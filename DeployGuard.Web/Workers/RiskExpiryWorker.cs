using DeployGuard.Data.Services.Vulnerabilities;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Re-opens findings whose risk acceptance expired, every minute. Safe on any number of instances (the sweep claims
/// rows with SKIP LOCKED); the gate never waits for it, since it treats an expired acceptance as none.
/// </summary>
internal sealed class RiskExpiryWorker(RiskService risks, ILogger<RiskExpiryWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                if (await risks.ExpireDueAsync(stoppingToken) is > 0 and var expired)
                {
                    logger.LogInformation("{Count} risk acceptance(s) expired; their findings are open again", expired);
                }
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning("The risk expiry sweep could not reach the database: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
