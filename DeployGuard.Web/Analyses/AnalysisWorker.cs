using DeployGuard.Data.Services.Analyses;

namespace DeployGuard.Web.Analyses;

/// <summary>Runs queued analyses, two at a time (model calls wait on the network, not on this machine).</summary>
internal sealed class AnalysisWorker(AnalysisQueue queue, AgentRunner runner, ILogger<AnalysisWorker> logger) : BackgroundService
{
    private const int Concurrency = 2;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Parallel.ForEachAsync(queue.ReadAllAsync(stoppingToken), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = stoppingToken },
            async (request, ct) =>
            {
                try
                {
                    await runner.RunAsync(request.ScanId, request.Agent, request.Caller, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The run itself records model failures; this is the database being unreachable while storing one.
                    logger.LogError(e, "Agent {Agent} on scan {ScanId} could not be stored", request.Agent, request.ScanId);
                }
            });
}
