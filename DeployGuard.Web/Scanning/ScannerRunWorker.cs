using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web.Scanning;

/// <summary>
/// The worker of <c>ScannerRun</c> jobs (<c>Jobs:Kinds:ScannerRun:Concurrency</c>, default 1): runs the configured scanner
/// command isolated (<see cref="ScannerCommandRunner"/>) and imports its output into the triggered scan. Any failure ends
/// the job failed, and the kind fails the scan with the reason.
/// </summary>
internal sealed class ScannerRunWorker(JobWorkerServices services, ScannerRunJobs kind, ScannerCommandRunner scanners, ReportImportService importer)
    : JobWorker<ScannerRunWork>(services, kind)
{
    protected override string ShutdownMessage => "DeployGuard stopped while the scanner ran. Trigger the scan again.";

    protected override async Task<JobResult> RunAsync(JobRun<ScannerRunWork> run, CancellationToken ct)
    {
        var work = run.Work;
        await using var output = await scanners.RunAsync(work.Command, work.Target, [], null, ct);
        if (output.Error is { } error)
        {
            throw new ScannerFailedException(error);
        }

        await using var report = output.Open();
        var imported = await importer.ImportAsync(new ImportRequest
        {
            Report = report, FileName = $"{ScannerCommandRunner.Words(work.Command)[0]} output", ServiceId = work.ServiceId, CommitSha = work.CommitSha,
            ScanType = ScanKinds.Name(work.Kind), Target = work.Target, IntoScanId = work.ScanId, Origin = ScanOrigin.Trigger,
        }, work.Caller, ct);
        if (!imported.Succeeded)
        {
            throw new ScannerFailedException($"The scanner's output could not be imported: {imported.Message}");
        }

        return JobResult.Succeeded;
    }
}

/// <summary>A scanner command or its import failed; the message is said to people as the scan's error.</summary>
internal sealed class ScannerFailedException(string message) : Exception(message);
