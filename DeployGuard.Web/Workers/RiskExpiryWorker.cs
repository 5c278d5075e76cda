using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web.Workers;

/// <summary>
/// The worker of the recurring <c>RiskExpiry</c> job: it queues the first sweep (once across instances) when it starts;
/// the sweep itself is the kind's claim step.
/// </summary>
internal sealed class RiskExpiryWorker(JobWorkerServices services, RiskExpiryJobs kind) : JobWorker<NoWork>(services, kind)
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Settings.Enabled)
        {
            try
            {
                await RiskExpiryJobs.EnsureScheduledAsync(Queue, stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                Logger.LogWarning(ex, "Could not schedule the risk expiry sweep; the next start will");
            }
        }

        await base.ExecuteAsync(stoppingToken);
    }

    protected override Task<JobResult> RunAsync(JobRun<NoWork> run, CancellationToken ct) =>
        throw new InvalidOperationException("The risk expiry sweep is done by its claim step.");
}
