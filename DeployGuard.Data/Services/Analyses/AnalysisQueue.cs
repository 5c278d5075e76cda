using System.Text.Json;
using System.Text.Json.Serialization;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>An agent run as its worker needs it: the scan, the agent, and who asked (for the audit row).</summary>
public sealed record AnalysisWork(Guid ScanId, string Agent, Caller Caller);

/// <summary>An agent run on a scan finished and its analysis is stored (topic <see cref="Topics.Analyses"/>).</summary>
public sealed record AnalysisEvent(Guid ScanId, string Agent, bool Success) : BusEvent
{
    [JsonIgnore]
    public override Guid? EntityId => ScanId;
}

/// <summary>
/// Agent runs are jobs of the job queue (kind <c>Analysis</c>; <c>Jobs:Kinds:Analysis:Concurrency</c>, two at once by
/// default: model calls wait on the network, not on this machine). A requested run survives a restart. The payload
/// holds the agent and who asked, never findings: the runner reads those when it runs.
/// </summary>
public sealed class AnalysisJobs : JobKind<AnalysisWork>
{
    public const string Kind = "Analysis";

    /// <summary>Runs waiting at most, across instances: a flood of requests is refused instead of piling up.</summary>
    public const int MaxWaiting = 1000;

    public override string Name => Kind;

    public override JobKindPolicy Defaults { get; } = JobKindPolicy.Standard with { Concurrency = 2 };

    /// <summary>Adds the run to the caller's context (saved with its <c>SaveChanges</c>).</summary>
    public static void Enqueue(ApplicationDbContext db, Guid scanId, string agent, Caller caller, DateTimeOffset now) =>
        JobQueue.Enqueue(db, Kind, now, scanId, payload: JsonSerializer.Serialize(new Payload(agent, caller.UserId, caller.UserName)));

    public static Task<int> WaitingAsync(ApplicationDbContext db, CancellationToken ct) =>
        db.Jobs.CountAsync(j => j.Kind == Kind && j.Status == Entities.JobStatus.Queued, ct);

    public override async Task<AnalysisWork?> ClaimAsync(JobTransaction tx, CancellationToken ct)
    {
        var payload = tx.Job.Payload is { } json ? JsonSerializer.Deserialize<Payload>(json) : null;
        if (tx.Job.SubjectId is not { } scanId || payload is null || !AgentNames.IsKnown(payload.Agent))
        {
            tx.Cancel("The analysis job names no scan or no known agent.");
            return null;
        }

        if (!await tx.Db.Scans.AnyAsync(s => s.Id == scanId, ct))
        {
            tx.Cancel("The scan was deleted before its analysis ran.");
            return null;
        }

        // Who asked is kept for the audit row; the run itself needs no role (the request was authorised when it was made).
        return new AnalysisWork(scanId, payload.Agent, new Caller(payload.UserId, payload.UserName, []));
    }

    private sealed record Payload(string Agent, string? UserId, string? UserName);
}
