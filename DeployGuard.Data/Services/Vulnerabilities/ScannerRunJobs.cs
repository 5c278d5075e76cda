using System.Text.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Scanning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>A triggered scan whose configured scanner command a worker runs, with who asked (their roles when they asked).</summary>
public sealed record ScannerRunWork(Guid ScanId, ScanKind Kind, string Target, string Command, Guid? ServiceId, string? CommitSha, Caller Caller)
{
    /// <summary>For a git repository's dependency part: the branch to check out when there is no commit (null: the default branch).</summary>
    public string? Branch { get; init; }

    /// <summary>For a git repository's dependency part: where the repository lives (a local path may be cloned only then).</summary>
    public SourcePlatform Platform { get; init; }
}

/// <summary>
/// Scans of a type with a configured scanner command (<c>Scanning:Scanners:&lt;type&gt;</c>) on the job queue (kind
/// <c>ScannerRun</c>): the claim moves the scan to running and reads the command as configured now; a failure (the
/// command, the import, a crashed worker) fails the scan with its reason. The command itself runs in the web side's
/// isolated command runner, like stage commands.
/// </summary>
public sealed class ScannerRunJobs(IOptionsMonitor<ScanningOptions> options, AuditWriter audit) : JobKind<ScannerRunWork>
{
    public const string Kind = "ScannerRun";

    public override string Name => Kind;

    // A scanner downloading its database for minutes still heartbeats; the worker does that, not the command.
    public override JobKindPolicy Defaults { get; } = JobKindPolicy.Standard with { StaleAfterSeconds = 120 };

    /// <summary>Adds the job to the caller's context (saved with the scan it runs).</summary>
    public static void Enqueue(ApplicationDbContext db, Guid scanId, Caller caller, DateTimeOffset now) =>
        JobQueue.Enqueue(db, Kind, now, scanId, payload: JsonSerializer.Serialize(new Payload(caller.UserId, caller.UserName, [.. caller.Roles], caller.ServiceScope)));

    public override async Task<ScannerRunWork?> ClaimAsync(JobTransaction tx, CancellationToken ct)
    {
        var scan = await tx.Db.Scans.FirstOrDefaultAsync(s => s.Id == tx.Job.SubjectId, ct);
        if (scan is null || scan.Status != ScanState.Pending)
        {
            tx.Cancel("The scan is no longer pending.");
            return null;
        }

        var payload = tx.Job.Payload is { } json ? JsonSerializer.Deserialize<Payload>(json) : null;
        if (options.CurrentValue.ScannerFor(scan.ScanType) is not { } command || payload is null)
        {
            await FailAsync(tx.Db, scan, $"No scanner is configured for {ScanKinds.Name(scan.ScanType)} scans any more (Scanning:Scanners:{ScanKinds.Name(scan.ScanType)}).",
                tx.Now, ct);
            tx.Cancel("No scanner is configured for this scan type.");
            return null;
        }

        scan.Status = ScanState.Running;
        scan.StartedAt = tx.Now;
        string? branch = null;
        var platform = SourcePlatform.Local;
        if (scan.ParentScanId is { } parentId)
        {
            // The dependency part of a git repository scan: the clone is of the revision its secret part scans.
            await tx.Db.Scans.Where(s => s.Id == parentId && s.Status == ScanState.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, ScanState.Running), ct);
            var job = await tx.Db.Scans.Where(s => s.Id == parentId)
                .Join(tx.Db.ScanJobs, s => s.ScanJobId, j => (Guid?)j.Id, (s, j) => new { j.Branch, j.SourcePlatform }).FirstOrDefaultAsync(ct);
            branch = job?.Branch;
            platform = job?.SourcePlatform ?? ScanService.PlatformOf(scan.Target);
        }

        return new ScannerRunWork(scan.Id, scan.ScanType, scan.Target, command, scan.ServiceId, scan.CommitSha,
            new Caller(payload.UserId, payload.UserName, payload.Roles, ServiceScope: payload.ServiceScope))
        {
            Branch = branch,
            Platform = platform,
        };
    }

    public override async Task FailedAsync(JobTransaction tx, JobFailure failure, CancellationToken ct)
    {
        var scan = await tx.Db.Scans.FirstOrDefaultAsync(s => s.Id == tx.Job.SubjectId, ct);
        if (scan is { Status: ScanState.Running or ScanState.Pending })
        {
            await FailAsync(tx.Db, scan, failure.Reason, tx.Now, ct);
        }
    }

    public override string StaleReason(string owner, DateTimeOffset lastHeartbeat, bool processGone) =>
        "The worker running this scanner stopped (its instance went away). Trigger the scan again.";

    /// <summary>
    /// Marks the scan failed with <paramref name="reason"/> (audited), in the caller's context; a git repository scan
    /// whose dependency part this was ends failed with its last part.
    /// </summary>
    public async Task FailAsync(ApplicationDbContext db, Scan scan, string reason, DateTimeOffset now, CancellationToken ct)
    {
        scan.Status = ScanState.Failed;
        scan.ErrorMessage = reason.Truncate(2000);
        scan.CompletedAt = now;
        scan.DurationMs = (long)(now - scan.StartedAt).TotalMilliseconds;
        audit.Add(db, AuditActor.System, AuditActions.ScanFailed, ResourceTypes.Scan, scan.Id.ToString(),
            new { scan_type = ScanKinds.Name(scan.ScanType), scan.Target, error = scan.ErrorMessage });
        await ScanLinks.SettleParentAsync(db, scan, now, ct);
    }

    private sealed record Payload(string? UserId, string? UserName, string[] Roles, Guid? ServiceScope);
}
