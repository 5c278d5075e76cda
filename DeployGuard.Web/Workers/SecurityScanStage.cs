using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Web.Isolation;
using DeployGuard.Web.Scanning;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Workers;

/// <summary>
/// A <c>security_scan</c> stage: runs the scanners it names (the commands configured for those scan types, isolated
/// like stage commands; a <c>git_repo</c> scanner gets the release's commit checked out), and/or imports the report
/// file it names (an absolute path under <c>Deployments:Runner:AllowedWorkDirectories</c>, where an earlier stage wrote
/// it with <c>cwd:</c>), attaches each scan to the deployment and the release's commit, then judges the release by the
/// environment's vulnerability policy exactly as a <c>security_gate</c> stage does. Its log says what was checked and
/// why it passed or failed.
/// </summary>
internal sealed class SecurityScanStage(
    ScannerCommandRunner scanners,
    CommandIsolation isolation,
    ReportImportService importer,
    SecurityGateStage gate,
    IOptions<ScanningOptions> scanning,
    IOptions<RunnerOptions> runner,
    ILogger<SecurityScanStage> logger)
{
    public async Task<StageOutcome> RunAsync(ClaimedStage stage, StageLogWriter log, CancellationToken cancel)
    {
        var definition = stage.Definition;
        var context = stage.Context;
        var variables = context.Variables(stage.Name);
        // The stage acts for the deployment; its audit rows name it.
        var caller = new Caller(null, $"deployment {context.DeploymentId}", [DeployGuard.Data.Services.Users.Roles.Admin]);
        var imported = 0;
        foreach (var type in definition.Scanners ?? [])
        {
            if (!ScanKinds.TryParse(type, out ScanKind kind))
            {
                return StageOutcome.Failed($"'{type}' is not a scan type (git_repo, container, vm, sbom, k8s).");
            }

            if (scanning.Value.ScannerFor(kind) is not { } command)
            {
                return StageOutcome.Failed($"No scanner is configured for {type} scans on this server (Scanning:Scanners:{type}); " +
                                           "an admin configures it, or the pipeline imports a report with 'report:'.");
            }

            var outcome = kind == ScanKind.GitRepo
                ? await ScanCheckoutAsync(stage, command, caller, log, cancel)
                : await ScanTargetAsync(stage, kind, command, Expand(definition.Target, variables), caller, log, cancel);
            if (outcome is not null)
            {
                return outcome;
            }

            imported++;
        }

        if (definition.Report is { } report)
        {
            var outcome = await ImportFileAsync(stage, Expand(report, variables)!, caller, log, cancel);
            if (outcome is not null)
            {
                return outcome;
            }

            imported++;
        }

        await log.WriteAsync(DeploymentLogLevel.Info, "security_scan",
            $"{Text.Count(imported, "scan")} attached to this deployment for commit {Short(context.CommitSha)}; judging the release by {context.EnvironmentName}'s policy.",
            cancel);
        return await gate.RunAsync(stage, cancel);
    }

    private async Task<StageOutcome?> ScanTargetAsync(ClaimedStage stage, ScanKind kind, string command, string? target, Caller caller,
        StageLogWriter log, CancellationToken cancel)
    {
        var type = ScanKinds.Name(kind);
        if (string.IsNullOrWhiteSpace(target))
        {
            return StageOutcome.Failed($"A {type} scan needs 'target:' (the image, path or cluster to scan).");
        }

        return await RunScannerAsync(stage, kind, command, target, [], caller, log, cancel);
    }

    private async Task<StageOutcome?> ScanCheckoutAsync(ClaimedStage stage, string command, Caller caller, StageLogWriter log, CancellationToken cancel)
    {
        var context = stage.Context;
        if (string.IsNullOrWhiteSpace(context.RepositoryUrl) || string.IsNullOrWhiteSpace(context.CommitSha))
        {
            return StageOutcome.Failed("A git_repo scan needs the service's repository URL and the release's commit; this release has " +
                                       (string.IsNullOrWhiteSpace(context.RepositoryUrl) ? "no repository." : "no commit."));
        }

        var checkout = await isolation.CreateInputDirectoryAsync();
        try
        {
            // The app checks out (it may reach the repository; the scanner may not need to), under the clone's transport
            // rules and with no hooks; the scanner only reads.
            try
            {
                await GitClone.CheckoutAsync(ScanService.PlatformOf(context.RepositoryUrl), context.RepositoryUrl, context.CommitSha, null, checkout, cancel);
            }
            catch (InvalidOperationException e)
            {
                return StageOutcome.Failed($"Checking out {Short(context.CommitSha)} of {context.RepositoryUrl} failed: {e.Message}");
            }

            await log.WriteAsync(DeploymentLogLevel.Info, "security_scan", $"Checked out {Short(context.CommitSha)} of {context.RepositoryUrl}.", cancel);
            // The scanner (the runner user, when commands run as it) reads the checkout; nobody else can.
            await isolation.HandOverAsync(checkout);
            return await RunScannerAsync(stage, ScanKind.GitRepo, command, checkout, [checkout], caller, log, cancel, displayTarget: context.RepositoryUrl);
        }
        finally
        {
            IsolatedProcess.DeleteTree(checkout, logger);
        }
    }

    private async Task<StageOutcome?> RunScannerAsync(ClaimedStage stage, ScanKind kind, string command, string target, IReadOnlyList<string> readOnly,
        Caller caller, StageLogWriter log, CancellationToken cancel, string? displayTarget = null)
    {
        var type = ScanKinds.Name(kind);
        var program = ScannerCommandRunner.Words(command).FirstOrDefault() ?? command;
        await log.WriteAsync(DeploymentLogLevel.Info, "security_scan", $"Running the {type} scanner ({program}) on {displayTarget ?? target}.", cancel);
        await using var output = await scanners.RunAsync(command, target, readOnly, null, cancel);
        if (output.Error is not null)
        {
            return StageOutcome.Failed($"The {type} scanner failed: {output.Error}", output.ExitCode);
        }

        await log.WriteAsync(DeploymentLogLevel.Debug, "security_scan",
            $"{program} printed {output.Bytes:N0} bytes in {output.Elapsed.TotalSeconds:N1} s (isolation: {output.Isolation}).", cancel);
        await using var report = output.Open();
        return await ImportAsync(stage, report, $"{program} output", type, displayTarget ?? target, caller, log, cancel);
    }

    private async Task<StageOutcome?> ImportFileAsync(ClaimedStage stage, string path, Caller caller, StageLogWriter log, CancellationToken cancel)
    {
        if (!Path.IsPathFullyQualified(path))
        {
            return StageOutcome.Failed($"'report: {path}' must be an absolute path under one of Deployments:Runner:AllowedWorkDirectories " +
                                       "(an earlier stage writes it there with cwd:).");
        }

        // Resolved through links: a link inside an allowed folder must not lead the app to read its own files.
        string real;
        try
        {
            real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException ex)
        {
            return StageOutcome.Failed($"The report {path} cannot be read: {ex.Message}");
        }

        var allowed = runner.Value.AllowedWorkDirectories.Select(Path.GetFullPath).ToList();
        if (!allowed.Any(folder => CommandIsolation.Inside(real, folder)))
        {
            return StageOutcome.Failed($"'report: {path}' is outside Deployments:Runner:AllowedWorkDirectories " +
                                       (allowed.Count == 0 ? "(none are configured)." : $"({string.Join(", ", allowed)})."));
        }

        if (!File.Exists(real))
        {
            return StageOutcome.Failed($"The report {path} does not exist: did an earlier stage write it (with cwd: under {string.Join(", ", allowed)})?");
        }

        await using var report = new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return await ImportAsync(stage, report, Path.GetFileName(real), null, null, caller, log, cancel);
    }

    private async Task<StageOutcome?> ImportAsync(ClaimedStage stage, Stream report, string fileName, string? scanType, string? target, Caller caller,
        StageLogWriter log, CancellationToken cancel)
    {
        var context = stage.Context;
        var result = await importer.ImportAsync(new ImportRequest
        {
            Report = report, FileName = fileName, ServiceId = context.ServiceId, CommitSha = context.CommitSha, ScanType = scanType, Target = target,
            DeploymentId = context.DeploymentId, Origin = ScanOrigin.Stage,
        }, caller, cancel);
        if (!result.Succeeded)
        {
            return StageOutcome.Failed($"The report ({fileName}) could not be imported: {result.Message}");
        }

        var r = result.Value!;
        var severities = string.Join(", ", r.BySeverity.Where(s => s.Value > 0).Select(s => $"{s.Value} {s.Key}"));
        await log.WriteAsync(DeploymentLogLevel.Info, "security_scan",
            $"Imported {r.Format} from {r.Scanner} ({r.Target}): {Text.Count(r.ResultsInReport, "result")}, {Text.Count(r.Findings, "finding")} — {r.New} new, " +
            $"{r.Unchanged} unchanged, {r.Fixed} fixed" + (severities.Length > 0 ? $"; {severities}." : "; nothing above info."), cancel);
        return null;
    }

    private static string? Expand(string? text, IReadOnlyDictionary<string, string> variables)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var (name, value) in variables)
        {
            text = text.Replace("${" + name + "}", value, StringComparison.Ordinal);
        }

        return text;
    }

    private static string Short(string? commit) => commit is { Length: > 12 } ? commit[..12] : commit ?? "(none)";
}
