using DeployGuard.Data.Services.Analyses;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Scanning;

namespace DeployGuard.Data.Services.Events;

/// <summary>A named stream of one event type on the bus.</summary>
public interface ITopic
{
    string Name { get; }

    Type EventType { get; }
}

/// <inheritdoc cref="ITopic"/>
public sealed class Topic<TEvent>(string name) : ITopic where TEvent : BusEvent
{
    public string Name => name;

    public Type EventType => typeof(TEvent);

    public override string ToString() => name;
}

/// <summary>
/// Every topic of the bus. A new topic is one line here (the name travels in NOTIFY payloads: keep it stable) and an
/// event record; subscribe with <c>bus.Subscribe(Topics.X, entityId, handler)</c>, publish after commit with
/// <c>bus.PublishAsync(Topics.X, event)</c>.
/// </summary>
public static class Topics
{
    /// <summary>Queued, started, details (URL, image), finished, log lines, cancel requests, health checks, gate decisions, metrics.</summary>
    public static readonly Topic<DeploymentEvent> Deployments = new("deployments");

    /// <summary>A stage started, waits, or ended (with its times, exit code and error).</summary>
    public static readonly Topic<DeploymentEvent> Stages = new("stages");

    /// <summary>An approval was requested or decided.</summary>
    public static readonly Topic<DeploymentEvent> Approvals = new("approvals");

    /// <summary>A scan was queued, started, progressed (counters), completed or failed.</summary>
    public static readonly Topic<ScanEvent> Scans = new("scans");

    /// <summary>A cleaning of a scanned repository was requested, started, completed or failed (entity: the scan).</summary>
    public static readonly Topic<CleaningEvent> Cleanings = new("cleanings");

    /// <summary>Findings were stored by a scan or triaged (entity: the scan).</summary>
    public static readonly Topic<FindingsEvent> Findings = new("findings");

    /// <summary>An agent run on a scan finished (succeeded or failed) and its analysis is stored (entity: the scan).</summary>
    public static readonly Topic<AnalysisEvent> Analyses = new("analyses");

    /// <summary>The audit chain's verification: progress and result.</summary>
    public static readonly Topic<AuditEvent> Audit = new("audit");

    /// <summary>A job of a kind became due (sent by the jobs table's trigger at commit): wakes that kind's workers.</summary>
    public static readonly Topic<JobEvent> Jobs = new("jobs");

    internal static IReadOnlyDictionary<string, ITopic> ByName { get; } =
        new ITopic[] { Deployments, Stages, Approvals, Scans, Cleanings, Findings, Analyses, Audit, Jobs }.ToDictionary(t => t.Name);

    /// <summary>The three topics a deployment's page (and the hub) follows.</summary>
    public static IReadOnlyList<ITopic> OfDeployments { get; } = [Deployments, Stages, Approvals];
}
