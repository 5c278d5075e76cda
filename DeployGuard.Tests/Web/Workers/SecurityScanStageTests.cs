using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using DeployGuard.Web.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Workers;

/// <summary>
/// The security_scan stage with real processes: scanner stand-ins are real executables (a script printing a real
/// scanner report) run isolated like stage commands, a real git repository is checked out at the release's commit, and
/// the gate's decision is the policy's.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecurityScanStageTests : IAsyncLifetime
{
    private readonly TempFolder _tools = new();
    private readonly TempFolder _shared = new();
    private DeploymentTestKit _kit = default!;
    private DeploymentEnvironment _environment = default!;

    public async Task InitializeAsync()
    {
        // The stand-in scanners live where commands may read (Deployments:Runner:ReadOnlyPaths), as trivy would under /usr.
        OpenToCommands(_tools.Path);
        File.Copy(ReportFixtures.PathOf("grype/grype-dd-1.json"), Path.Combine(_tools.Path, "grype.json"));
        File.Copy(ReportFixtures.PathOf("trivy/trivy-dd-1.json"), Path.Combine(_tools.Path, "trivy.json"));
        Script("fake-grype", $$"""
            #!/bin/sh
            # A real Grype report on stdout, for exactly one argument (the target, never split or run by a shell).
            test "$#" -eq 1 || { echo "expected one argument, got $#" >&2; exit 2; }
            cat {{_tools.Path}}/grype.json
            """);
        // A git_repo scanner: only reports when it was given the checkout of the release's commit.
        Script("fake-fs-scanner", $$"""
            #!/bin/sh
            test -f "$1/release.txt" || { echo "no checkout at $1" >&2; exit 3; }
            grep -q "version 2" "$1/release.txt" || { echo "wrong commit checked out" >&2; exit 4; }
            cat {{_tools.Path}}/trivy.json
            """);
        OpenToCommands(_shared.Path);
        _kit = await DeploymentTestKit.CreateAsync(runner: true,
            runnerOptions: o =>
            {
                o.ReadOnlyPaths = [_tools.Path];
                o.AllowedWorkDirectories = [_shared.Path];
            },
            services: s => s.Configure<ScanningOptions>(o =>
            {
                o.Scanners["container"] = $"{_tools.Path}/fake-grype {{target}}";
                o.Scanners["git_repo"] = $"{_tools.Path}/fake-fs-scanner {{target}}";
            }));
        _environment = await _kit.EnvironmentAsync("scan");
    }

    public async Task DisposeAsync()
    {
        await _kit.DisposeAsync();
        _tools.Dispose();
        _shared.Dispose();
    }

    [Fact]
    public async Task Run_ContainerScannerWithCriticals_ImportsItsReportAttachesTheScanAndBlocks()
    {
        var service = await _kit.ServiceAsync("""
            stages:
              - name: scan
                kind: security_scan
                scanners: [container]
                target: registry.example.test/${DG_SERVICE}:${DG_RELEASE_VERSION}
              - name: deploy
                kind: command
                run: echo deployed
            """);
        var id = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, "2.0.0"), _environment.Id);

        var deployment = await _kit.WaitForFinishAsync(id);

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        Assert.Equal(StageStatus.Skipped, deployment.Stages.Single(s => s.Name == "deploy").Status);
        await using var db = _kit.Db();
        var scan = await db.Scans.SingleAsync(s => s.DeploymentId == id);
        Assert.Equal(ScanOrigin.Stage, scan.Origin);
        Assert.Equal(ScanKind.Container, scan.ScanType);
        Assert.Equal($"registry.example.test/{service.Name}:2.0.0", scan.Target);
        Assert.Equal(ReportFixtures.CountResults("grype/grype-dd-1.json"), scan.ResultsInReport);
        Assert.Equal(2, scan.CriticalCount);
        Assert.Equal("abcdef1234567", scan.CommitSha);
        var decision = await db.SecurityGateDecisions.SingleAsync(g => g.DeploymentId == id);
        Assert.Equal(GateDecision.Reject, decision.Decision);
        Assert.True(decision.ScanResultsFound);
        var logs = await _kit.LogsAsync(id);
        // What was checked, how, and why it failed, in the log; the target was one argument.
        Assert.Contains(logs, l => l.Message == $"Running the container scanner ({_tools.Path}/fake-grype) on registry.example.test/{service.Name}:2.0.0.");
        Assert.Contains(logs, l => l.Message.StartsWith("Imported grype from grype", StringComparison.Ordinal) && l.Message.Contains("2 critical"));
        Assert.Contains(logs, l => l.Message.StartsWith("Security gate (", StringComparison.Ordinal) && l.Level == DeploymentLogLevel.Error);
        Assert.Contains(logs, l => l.Message.Contains("CVE-2021-33574"));
    }

    [Fact]
    public async Task Run_GitRepoScanner_ScansTheReleasesCommitCheckedOut()
    {
        using var repository = new TempGitRepo();
        repository.Write("release.txt", "version 1\n");
        repository.Commit("first");
        repository.Write("release.txt", "version 2\n");
        var commit = repository.Commit("second");
        repository.Write("release.txt", "version 3\n");
        repository.Commit("third, not released");
        var service = await _kit.ServiceAsync("stages:\n  - name: scan\n    kind: security_scan\n    scanners: [git_repo]");
        await using (var db = _kit.Db())
        {
            await db.Services.Where(s => s.Id == service.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.RepositoryUrl, repository.Path));
        }

        var id = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, "1.0.0", commit: commit), _environment.Id);

        var deployment = await _kit.WaitForFinishAsync(id);

        var logs = await _kit.LogsAsync(id);
        // The scanner only reports for the release's commit checked out; its report holds two critical secrets: blocked.
        Assert.True(deployment.Status == DeploymentStatus.Failed, string.Join("\n", logs.Select(l => l.Message)));
        await using var check = _kit.Db();
        var scan = await check.Scans.SingleAsync(s => s.DeploymentId == id);
        Assert.Equal(ScanKind.GitRepo, scan.ScanType);
        Assert.Equal(commit, scan.CommitSha);
        Assert.Equal(repository.Path, scan.Target);
        Assert.Equal(ReportFixtures.CountResults("trivy/trivy-dd-1.json"), scan.ResultsInReport);
        Assert.Contains(logs, l => l.Message == $"Checked out {commit[..12]} of {repository.Path}.");
        var decision = await check.SecurityGateDecisions.SingleAsync(g => g.DeploymentId == id);
        Assert.True(decision.ScanResultsFound);
        Assert.Equal(GateDecision.Reject, decision.Decision);
        Assert.Contains(logs, l => l.Message.Contains("secret github-pat in Dockerfile (critical)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ReportWrittenByAnEarlierStage_IsImportedAndGated()
    {
        var folder = Path.Combine(_shared.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        OpenToCommands(folder, writable: true);
        var service = await _kit.ServiceAsync($$"""
            stages:
              - name: build
                kind: command
                cwd: {{folder}}
                run: cp {{_tools.Path}}/trivy.json report-$DG_RELEASE_VERSION.json
              - name: scan
                kind: security_scan
                report: {{folder}}/report-${DG_RELEASE_VERSION}.json
            """);
        var id = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, "3.1.0"), _environment.Id);

        var deployment = await _kit.WaitForFinishAsync(id);

        var logs = await _kit.LogsAsync(id);
        await using var db = _kit.Db();
        var scan = await db.Scans.SingleAsync(s => s.DeploymentId == id);
        Assert.Equal(ReportFixtures.CountResults("trivy/trivy-dd-1.json"), scan.ResultsInReport);
        Assert.Equal(ScanOrigin.Stage, scan.Origin);
        Assert.Contains(logs, l => l.Message.StartsWith("Imported trivy from trivy", StringComparison.Ordinal));
        var decision = await db.SecurityGateDecisions.SingleAsync(g => g.DeploymentId == id);
        Assert.Equal(decision.Decision == GateDecision.Reject ? DeploymentStatus.Failed : DeploymentStatus.Succeeded, deployment.Status);
        Assert.Contains(logs, l => l.Message.Contains("Checked:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ReportOutsideTheAllowedFolders_FailsAndImportsNothing()
    {
        var service = await _kit.ServiceAsync("stages:\n  - name: scan\n    kind: security_scan\n    report: /etc/passwd");
        var id = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id), _environment.Id);

        var deployment = await _kit.WaitForFinishAsync(id);

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        Assert.Contains("outside Deployments:Runner:AllowedWorkDirectories", deployment.Stages.Single().Error);
        await using var db = _kit.Db();
        Assert.False(await db.Scans.AnyAsync(s => s.DeploymentId == id));
        Assert.False(await db.SecurityGateDecisions.AnyAsync(g => g.DeploymentId == id));
    }

    [Fact]
    public async Task Run_ScanTypeWithoutAConfiguredScanner_FailsSayingHowToFixIt()
    {
        var service = await _kit.ServiceAsync("stages:\n  - name: scan\n    kind: security_scan\n    scanners: [k8s]\n    target: cluster-a");
        var id = await _kit.StartAsync(await _kit.ReleaseAsync(service.Id), _environment.Id);

        var deployment = await _kit.WaitForFinishAsync(id);

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        Assert.Contains("No scanner is configured for k8s scans on this server (Scanning:Scanners:k8s)", deployment.Stages.Single().Error);
    }

    private void Script(string name, string text)
    {
        var path = Path.Combine(_tools.Path, name);
        File.WriteAllText(path, text.Replace("\r\n", "\n") + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    /// <summary>The runner user (commands run as it when the tests run as root) must reach the folder.</summary>
    private static void OpenToCommands(string folder, bool writable = false)
    {
        File.SetUnixFileMode(folder, writable ? (UnixFileMode)0b111_111_111 : (UnixFileMode)0b111_101_101);
        for (var parent = Path.GetDirectoryName(folder); parent is not null && parent != "/"; parent = Path.GetDirectoryName(parent))
        {
            var mode = File.GetUnixFileMode(parent);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                File.SetUnixFileMode(parent, mode | UnixFileMode.OtherExecute);
            }
        }
    }
}
