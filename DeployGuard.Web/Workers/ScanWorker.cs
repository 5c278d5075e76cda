using DeployGuard.Data.Services.Scanning;
using DeployGuard.Web.Scanning;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web.Workers;

/// <summary>The worker of <c>Scan</c> jobs (how many at once: <c>Jobs:Kinds:Scan:Concurrency</c>, default 1).</summary>
internal sealed class ScanWorker(JobWorkerServices services, ScanJobQueue queue, ScanJobRunner runner)
    : JobWorker<ClaimedScan>(services, queue.Scans)
{
    protected override string ShutdownMessage => "DeployGuard stopped while scanning. Start the scan again.";

    protected override async Task<JobResult> RunAsync(JobRun<ClaimedScan> run, CancellationToken ct)
    {
        await runner.RunScanAsync(run.Work, Owner, ct);
        return JobResult.Recorded;
    }
}

/// <summary>The worker of <c>Clean</c> jobs (<c>Jobs:Kinds:Clean:…</c>; a failed cleaning is tried again, 3 attempts by default).</summary>
internal sealed class CleanWorker(JobWorkerServices services, ScanJobQueue queue, ScanJobRunner runner)
    : JobWorker<ClaimedClean>(services, queue.Cleanings)
{
    protected override string ShutdownMessage => "DeployGuard stopped while cleaning.";

    protected override async Task<JobResult> RunAsync(JobRun<ClaimedClean> run, CancellationToken ct)
    {
        await runner.RunCleanAsync(run.Work, Owner, ct);
        return JobResult.Recorded;
    }
}
