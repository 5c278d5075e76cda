using System.Diagnostics.Metrics;
using DeployGuard.Data.Services.Telemetry;

namespace DeployGuard.Data.Services.Jobs;

/// <summary>Instruments of the job queue: claim latency and failures per kind, and the latest queue depth.</summary>
public static class JobMetrics
{
    private static readonly Histogram<double> ClaimDuration = DeployGuardTelemetry.Meter.CreateHistogram<double>("deployguard.jobs.claim.duration", "s",
        "Time to claim a job: the row lock, the kind's claim step and the commit.");

    private static readonly Counter<long> Failures = DeployGuardTelemetry.Meter.CreateCounter<long>("deployguard.jobs.failures", "{job}",
        "Jobs that ended without success, by kind, whether they were re-queued and whether their worker went stale.");

    private static volatile IReadOnlyList<QueueDepth> _depth = [];

    static JobMetrics() =>
        DeployGuardTelemetry.Meter.CreateObservableGauge("deployguard.jobs.queued", ObserveDepth, "{job}",
            "Jobs per kind and state (due, scheduled for later, running), as last counted.");

    public static void Claimed(string kind, TimeSpan elapsed) => ClaimDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("kind", kind));

    internal static void Failed(string kind, JobFailure failure) =>
        Failures.Add(1, new("kind", kind), new("requeued", failure.Requeued), new("stale", failure.Stale));

    /// <summary>Set by whoever counted last (the web app's monitor); the gauge reports it at the next scrape.</summary>
    public static void SetDepth(IReadOnlyList<QueueDepth> depth) => _depth = depth;

    private static IEnumerable<Measurement<long>> ObserveDepth()
    {
        foreach (var d in _depth)
        {
            yield return new Measurement<long>(d.Due, new("kind", d.Kind), new("state", "due"));
            yield return new Measurement<long>(d.Scheduled, new("kind", d.Kind), new("state", "scheduled"));
            yield return new Measurement<long>(d.Running, new("kind", d.Kind), new("state", "running"));
        }
    }
}
