using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Web.Isolation;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web.Scanning;

/// <summary>
/// The worker of <c>ScannerRun</c> jobs (<c>Jobs:Kinds:ScannerRun:Concurrency</c>, default 1): runs the configured scanner
/// command isolated (<see cref="ScannerCommandRunner"/>) and imports its output into the triggered scan; for a git
/// repository's dependency part the command's target is a checkout of the repository, read-only to it. Any failure ends
/// the job failed, and the kind fails the scan with the reason.
/// </summary>
internal sealed class ScannerRunWorker(JobWorkerServices services, ScannerRunJobs kind, ScannerCommandRunner scanners, ReportImportService importer,
    ScanService scans, CommandIsolation isolation, ILogger<ScannerRunWorker> logger)
    : JobWorker<ScannerRunWork>(services, kind)
{
    protected override string ShutdownMessage => "DeployGuard stopped while the scanner ran. Trigger the scan again.";

    protected override async Task<JobResult> RunAsync(JobRun<ScannerRunWork> run, CancellationToken ct)
    {
        var work = run.Work;
        if (work.Kind != ScanKind.GitRepo)
        {
            await using var output = await scanners.RunAsync(work.Command, work.Target, [], null, ct);
            await ImportAsync(work, output, ct);
            return JobResult.Succeeded;
        }

        // A git repository's dependency part: the scanner reads a checkout of the revision (never the repository URL, which
        // it would clone itself, unisolated from our transport rules), in a folder only the runner user and the app reach.
        var checkout = await isolation.CreateInputDirectoryAsync();
        try
        {
            string commit;
            try
            {
                commit = await GitClone.CheckoutAsync(work.Platform, work.Target, work.CommitSha, work.Branch, checkout, ct);
            }
            catch (InvalidOperationException e)
            {
                throw new ScannerFailedException($"The repository could not be checked out for the dependency scanner: {e.Message}");
            }

            // A trigger without a commit scans a branch's tip: the part and its scan say which commit that was.
            await scans.RecordCheckoutAsync(work.ScanId, commit, ct);
            await isolation.HandOverAsync(checkout);
            await using var output = await scanners.RunAsync(work.Command, checkout, [checkout], null, ct);
            await ImportAsync(work with { CommitSha = work.CommitSha ?? commit }, output, ct);
            return JobResult.Succeeded;
        }
        finally
        {
            IsolatedProcess.DeleteTree(checkout, logger);
        }
    }

    private async Task ImportAsync(ScannerRunWork work, ScannerOutput output, CancellationToken ct)
    {
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
    }
}

/// <summary>A scanner command or its import failed; the message is said to people as the scan's error.</summary>
internal sealed class ScannerFailedException(string message) : Exception(message);
