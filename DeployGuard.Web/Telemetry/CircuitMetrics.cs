using System.Diagnostics.Metrics;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Telemetry;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Telemetry;

/// <summary>Open Blazor circuits on this instance (one per browser tab with a live page).</summary>
internal sealed class CircuitMetrics : CircuitHandler
{
    private static readonly UpDownCounter<long> Open = DeployGuardTelemetry.Meter.CreateUpDownCounter<long>("deployguard.circuits.open", "{circuit}",
        "Blazor circuits open on this instance.");

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Open.Add(1);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Open.Add(-1);
        return Task.CompletedTask;
    }
}

/// <summary>Counts what the gauges report and a scrape cannot count itself (it must not query): queue depth, approvals waiting.</summary>
internal sealed class GaugeRefresher(JobQueue jobs, IEnumerable<IJobKind> kinds, ApprovalService approvals, IOptions<TelemetryOptions> options, TimeProvider clock,
    ILogger<GaugeRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromSeconds(options.Value.RefreshSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                JobMetrics.SetDepth(await jobs.DepthAsync(kinds.Select(k => k.Name), stoppingToken));
                DeploymentMetrics.SetApprovalsWaiting(await approvals.PendingCountAsync(stoppingToken));
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Counting queue depth and approvals for the metrics failed");
            }

            try
            {
                await Task.Delay(every, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
