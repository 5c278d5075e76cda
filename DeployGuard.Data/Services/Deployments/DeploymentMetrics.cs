using System.Diagnostics.Metrics;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Telemetry;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>Operators' instruments of deployments (recorded after the transaction that made them true has committed).</summary>
public static class DeploymentMetrics
{
    private static readonly Counter<long> StartedCounter = DeployGuardTelemetry.Meter.CreateCounter<long>("deployguard.deployments.started",
        "{deployment}", "Deployments that left the queue and started running.");

    private static readonly Counter<long> FinishedCounter = DeployGuardTelemetry.Meter.CreateCounter<long>("deployguard.deployments.finished",
        "{deployment}", "Deployments that ended, by outcome (succeeded, failed, rejected, cancelled).");

    private static readonly Histogram<double> DeploymentDuration = DeployGuardTelemetry.Meter.CreateHistogram<double>("deployguard.deployment.duration",
        "s", "From start to end of a deployment, by outcome.");

    private static readonly Histogram<double> StageDuration = DeployGuardTelemetry.Meter.CreateHistogram<double>("deployguard.stage.duration", "s",
        "From start to end of a stage, by stage type and outcome (waiting stages included).");

    private static volatile int _approvalsWaiting = -1;

    static DeploymentMetrics() =>
        DeployGuardTelemetry.Meter.CreateObservableGauge("deployguard.approvals.waiting", ObserveApprovals, "{approval}",
            "Approval stages waiting for a decision, as last counted.");

    public static void Started() => StartedCounter.Add(1);

    public static void Finished(DeploymentStatus status, double seconds)
    {
        var outcome = new KeyValuePair<string, object?>("outcome", status.ToString().ToLowerInvariant());
        FinishedCounter.Add(1, outcome);
        DeploymentDuration.Record(seconds, outcome);
    }

    public static void StageEnded(StageKind kind, StageStatus status, double seconds) =>
        StageDuration.Record(seconds, new("type", Pipelines.PipelineYaml.KindName(kind)), new("outcome", status.ToString().ToLowerInvariant()));

    /// <summary>Set by whoever counted last (the web app's monitor).</summary>
    public static void SetApprovalsWaiting(int count) => _approvalsWaiting = count;

    private static IEnumerable<Measurement<int>> ObserveApprovals()
    {
        if (_approvalsWaiting >= 0)
        {
            yield return new Measurement<int>(_approvalsWaiting);
        }
    }
}
