using DeployGuard.Data.Services.Scanning;
using DeployGuard.Web.Scanning;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Claims scan and clean jobs from PostgreSQL (SKIP LOCKED), so any number of instances share the work, and
/// fails jobs whose instance died. <c>Scanning:Workers</c> jobs run at once per instance (default 1).
/// </summary>
internal sealed class ScanWorker(ScanJobQueue queue, ScanJobRunner runner, IOptions<ScanningOptions> options, ILogger<ScanWorker> logger)
    : BackgroundService
{
    private static readonly TimeSpan IdleDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StaleCheck = TimeSpan.FromSeconds(30);
    private readonly string _workerId = $"{Environment.MachineName}/{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = options.Value.Workers;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(i => LoopAsync(i, stoppingToken)).Append(RecoverAsync(stoppingToken)));
    }

    private async Task LoopAsync(int index, CancellationToken stoppingToken)
    {
        var id = $"{_workerId}#{index}";
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await queue.ClaimScanAsync(id, stoppingToken) is { } scan)
                {
                    await runner.RunScanAsync(scan, stoppingToken);
                    continue;
                }

                if (await queue.ClaimCleanAsync(id, stoppingToken) is { } clean)
                {
                    await runner.RunCleanAsync(clean, stoppingToken);
                    continue;
                }

                await Task.Delay(IdleDelay, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database is unreachable or restarting: back off and try again.
                logger.LogWarning("Scan worker {Worker}: {Error}", id, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(StaleCheck);
        do
        {
            try
            {
                if (await queue.FailStaleAsync(stoppingToken) is > 0 and var count)
                {
                    logger.LogWarning("Failed {Count} scan/clean job(s) whose worker stopped", count);
                }
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                logger.LogWarning("Stale scan recovery: {Error}", ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
