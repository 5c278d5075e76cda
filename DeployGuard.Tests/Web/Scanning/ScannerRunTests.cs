using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using DeployGuard.Web.Scanning;
using DeployGuard.Web.Workers;
using DeployGuard.Web.Workers.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Scanning;

/// <summary>
/// Triggered scans of a type with a configured scanner command: a real executable (a script printing a real Trivy
/// report) runs isolated on the ScannerRun worker, and its output is imported into the triggered scan.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ScannerRunTests : IAsyncLifetime
{
    private readonly TempFolder _tools = new();
    private DeploymentTestKit _kit = default!;
    private Caller _engineer = default!;

    public async Task InitializeAsync()
    {
        File.SetUnixFileMode(_tools.Path, (UnixFileMode)0b111_101_101);
        File.Copy(ReportFixtures.PathOf("trivy/trivy-dd-2.json"), Path.Combine(_tools.Path, "trivy.json"));
        // Refuses to report when it can see the test database's folder, or when the target came as more than one argument.
        Script("fake-trivy", $$"""
            #!/bin/sh
            if [ -e "{{TestPostgres.ClusterDirectory}}" ]; then echo "the database folder is visible" >&2; exit 5; fi
            test "$#" -eq 2 && test "$2" = "--quiet" || { echo "unexpected arguments: $*" >&2; exit 2; }
            cat {{_tools.Path}}/trivy.json
            """);
        Script("endless", "#!/bin/sh\nexec yes 'x'");
        Script("hangs", "#!/bin/sh\nexec sleep 60");
        Script("fails", "#!/bin/sh\necho 'DB download failed: no network' >&2\nexit 1");
        _kit = await DeploymentTestKit.CreateAsync(
            runnerOptions: o => o.ReadOnlyPaths = [_tools.Path],
            services: s =>
            {
                s.Configure<ScanningOptions>(o =>
                {
                    o.Scanners["container"] = $"{_tools.Path}/fake-trivy {{target}} --quiet";
                    o.Scanners["vm"] = $"{_tools.Path}/endless {{target}}";
                    o.Scanners["k8s"] = $"{_tools.Path}/hangs {{target}}";
                    o.Scanners["sbom"] = $"{_tools.Path}/fails {{target}}";
                    o.MaxReportBytes = 64 * 1024;
                    o.ScannerTimeoutSeconds = 2;
                });
                s.AddJobWorker<ScannerRunWorker>();
            });
        await _kit.StartAsync(_kit.Services.GetServices<IJobWorker>().Single(w => w.Kind == ScannerRunJobs.Kind));
        _engineer = await _kit.UserAsync(DeployGuard.Data.Services.Users.Roles.Engineer);
    }

    public async Task DisposeAsync()
    {
        await _kit.DisposeAsync();
        _tools.Dispose();
    }

    [Fact]
    public async Task Trigger_ContainerWithConfiguredScanner_RunsItIsolatedAndImportsItsReportIntoTheScan()
    {
        // Shell syntax in a target is one argument to the scanner, never run.
        var target = "registry.example.test/app:1.0; touch /tmp/pwned-" + Guid.NewGuid().ToString("N");

        var triggered = await _kit.Get<ScanService>().TriggerAsync(new TriggerRequest("container", target, null), _engineer);
        var scan = await WaitForEndAsync(triggered.Value!.ScanId);

        Assert.True(triggered.Succeeded, triggered.Message);
        Assert.Equal(ScanState.Pending, triggered.Value.Status);
        Assert.True(scan.Status == ScanState.Completed, scan.ErrorMessage);
        Assert.Equal(ScanKind.Container, scan.ScanType);
        Assert.Equal(target, scan.Target);
        Assert.Equal(ScanOrigin.Trigger, scan.Origin);
        Assert.Equal("trivy", scan.Scanner);
        Assert.Equal(ReportFixtures.CountResults("trivy/trivy-dd-2.json"), scan.ResultsInReport);
        Assert.Equal(12, scan.LowCount);
        Assert.False(File.Exists(target.Split("touch ")[1]));
        await using var db = _kit.Db();
        Assert.Single(await db.Scans.Where(s => s.Target == target).ToListAsync());
        Assert.True(await db.VulnerabilityFindings.AnyAsync(f => f.LastScanId == scan.Id || f.FirstScanId == scan.Id));
    }

    [Fact]
    public async Task Trigger_ScannerPrintsMoreThanTheLimit_IsStoppedAndTheScanFailsWithNothingImported()
    {
        var triggered = await _kit.Get<ScanService>().TriggerAsync(new TriggerRequest("vm", "/srv/image-" + Guid.NewGuid().ToString("N"), null), _engineer);

        var scan = await WaitForEndAsync(triggered.Value!.ScanId);

        Assert.Equal(ScanState.Failed, scan.Status);
        Assert.Contains("more than 65,536 bytes (Scanning:MaxReportBytes)", scan.ErrorMessage);
        Assert.Equal(0, scan.FindingsCount);
    }

    [Fact]
    public async Task Trigger_ScannerHangs_IsKilledAfterTheTimeoutAndTheScanFails()
    {
        var triggered = await _kit.Get<ScanService>().TriggerAsync(new TriggerRequest("k8s", "cluster-" + Guid.NewGuid().ToString("N"), null), _engineer);

        var scan = await WaitForEndAsync(triggered.Value!.ScanId);

        Assert.Equal(ScanState.Failed, scan.Status);
        Assert.Contains("did not finish within 2 s (Scanning:ScannerTimeoutSeconds)", scan.ErrorMessage);
    }

    [Fact]
    public async Task Trigger_ScannerExitsNonZero_TheScanFailsWithItsError()
    {
        var triggered = await _kit.Get<ScanService>().TriggerAsync(new TriggerRequest("sbom", "sbom-" + Guid.NewGuid().ToString("N"), null), _engineer);

        var scan = await WaitForEndAsync(triggered.Value!.ScanId);

        Assert.Equal(ScanState.Failed, scan.Status);
        Assert.Equal("The scanner exited with code 1: DB download failed: no network", scan.ErrorMessage);
    }

    [Fact]
    public async Task Trigger_TargetThatLooksLikeAnOption_RefusedAndNothingQueued()
    {
        var target = "--output=/tmp/x-" + Guid.NewGuid().ToString("N");

        var triggered = await _kit.Get<ScanService>().TriggerAsync(new TriggerRequest("container", target, null), _engineer);

        Assert.False(triggered.Succeeded);
        Assert.Contains("may not start with '-'", triggered.Errors["target"].Single());
        await using var db = _kit.Db();
        Assert.False(await db.Scans.AnyAsync(s => s.Target == target));
    }

    [Fact]
    public async Task Trigger_ByViewer_Forbidden()
    {
        var viewer = await _kit.UserAsync(DeployGuard.Data.Services.Users.Roles.Viewer);

        var triggered = await _kit.Get<ScanService>().TriggerAsync(new TriggerRequest("container", "app:1", null), viewer);

        Assert.False(triggered.Succeeded);
        Assert.Equal(ResultStatus.Forbidden, triggered.Status);
    }

    private async Task<Scan> WaitForEndAsync(Guid scanId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var db = _kit.Db();
            var scan = await db.Scans.AsNoTracking().FirstAsync(s => s.Id == scanId);
            if (scan.Status is ScanState.Completed or ScanState.Failed)
            {
                return scan;
            }

            Assert.True(DateTime.UtcNow < deadline, $"scan {scanId} still {scan.Status} after 60 s");
            await Task.Delay(50);
        }
    }

    private void Script(string name, string text)
    {
        var path = Path.Combine(_tools.Path, name);
        File.WriteAllText(path, text.Replace("\r\n", "\n") + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }
}
