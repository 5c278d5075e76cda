using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeployGuard.Tests.Web.Workers;

/// <summary>Real pipelines of real shell commands, run by the real runner against PostgreSQL.</summary>
public sealed class RunnerTests : IAsyncLifetime
{
    private DeploymentTestKit _kit = default!;
    private DeploymentEnvironment _environment = default!;

    public async Task InitializeAsync()
    {
        _kit = await DeploymentTestKit.CreateAsync(runner: true);
        _environment = await _kit.EnvironmentAsync("run");
    }

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private async Task<Guid> DeployAsync(string yaml, string version = "1.0.0")
    {
        var service = await _kit.ServiceAsync(yaml);
        return await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, version), _environment.Id);
    }

    [Fact]
    public async Task Run_EchoPipeline_SucceedsWithOutputAndVariablesInTheLog()
    {
        var id = await DeployAsync("""
            stages:
              - name: build
                kind: command
                run: echo "building $DG_SERVICE $DG_RELEASE_VERSION for $DG_ENVIRONMENT"; echo "to stderr" >&2; echo "custom=$GREETING"
                env:
                  GREETING: hello
              - name: metrics
                kind: command
                run: printf '##dg metric image.size 42.5 MB\n##dg url http://127.0.0.1:9/app\n##dg image app:1.0.0 42.5\n'
            """, "1.2.3");

        var deployment = await _kit.WaitForFinishAsync(id);

        Assert.Equal(DeploymentStatus.Succeeded, deployment.Status);
        Assert.All(deployment.Stages, s => Assert.Equal(StageStatus.Succeeded, s.Status));
        Assert.All(deployment.Stages, s => Assert.Equal(0, s.ExitCode));
        Assert.Equal("http://127.0.0.1:9/app", deployment.DeployedUrl);
        Assert.Equal("app:1.0.0", deployment.ImageTag);
        var logs = await _kit.LogsAsync(id);
        Assert.Contains(logs, l => l.Message.StartsWith("building svc-") && l.Message.EndsWith($"1.2.3 for {_environment.Name}") && l.EventType == "stdout");
        Assert.Contains(logs, l => l.Message == "to stderr" && l.Level == DeploymentLogLevel.Warning);
        Assert.Contains(logs, l => l.Message == "custom=hello");
        await using var db = _kit.Db();
        var metrics = await db.DeploymentMetrics.Where(m => m.DeploymentId == id).ToListAsync();
        Assert.Contains(metrics, m => m.Name == "image.size" && m.Value == 42.5 && m.Unit == "MB");
        Assert.Contains(metrics, m => m.Name == "stage.build.duration" && m.Unit == "s");
        Assert.Contains(metrics, m => m.Name == "deployment.duration");
        var release = await db.Releases.SingleAsync(r => r.Id == deployment.ReleaseId);
        Assert.Equal(ReleaseStatus.Deployed, release.Status);
    }

    [Fact]
    public async Task Run_CommandsDoNotSeeTheAppsSecrets()
    {
        Environment.SetEnvironmentVariable("ConnectionStrings__DeployGuard", "Host=secret");
        try
        {
            var id = await DeployAsync("stages:\n  - name: env\n    kind: command\n    run: env | sort");

            await _kit.WaitForFinishAsync(id);

            var logs = await _kit.LogsAsync(id);
            Assert.Contains(logs, l => l.Message.StartsWith("DG_DEPLOYMENT_ID="));
            Assert.DoesNotContain(logs, l => l.Message.Contains("Host=secret"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ConnectionStrings__DeployGuard", null);
        }
    }

    [Fact]
    public async Task Run_ExitOne_FailsTheDeploymentAndSkipsTheRest()
    {
        var id = await DeployAsync("stages:\n  - name: test\n    kind: command\n    run: echo failing; exit 1\n  - name: deploy\n    kind: command\n    run: echo never");

        var deployment = await _kit.WaitForFinishAsync(id);

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        var test = deployment.Stages.Single(s => s.Name == "test");
        Assert.Equal(StageStatus.Failed, test.Status);
        Assert.Equal(1, test.ExitCode);
        Assert.Equal("The command exited with code 1.", test.Error);
        Assert.Equal(StageStatus.Skipped, deployment.Stages.Single(s => s.Name == "deploy").Status);
        Assert.Contains("Stage 'test' failed", deployment.StatusReason);
        Assert.DoesNotContain(await _kit.LogsAsync(id), l => l.Message == "never");
    }

    [Fact]
    public async Task Run_CommandOutlivingItsTimeout_IsKilledAndFails()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"dg-timeout-{Guid.NewGuid():N}");
        var id = await DeployAsync($"stages:\n  - name: slow\n    kind: command\n    timeout: 1\n    run: echo started; sleep 30; touch {marker}");

        var deployment = await _kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(20));

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        var stage = deployment.Stages.Single();
        Assert.StartsWith("Timed out after 1 s", stage.Error);
        Assert.True(stage.DurationMs < 10_000, $"took {stage.DurationMs} ms");
        Assert.Contains(await _kit.LogsAsync(id), l => l.Message == "started");
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Cancel_RunningCommand_KillsTheWholeProcessTree()
    {
        // A background child, a grandchild in a pipeline, and the shell itself: all must die. Each sleeps for a duration no
        // other process uses, so it can be found by its command line from outside whatever pid namespace it runs in.
        var tag = Random.Shared.Next(100_000, 999_999);
        var id = await DeployAsync($$"""
            stages:
              - name: tree
                kind: command
                run: (sleep 300.{{tag}}1; touch survived) & bash -c 'sleep 300.{{tag}}2; true' & echo ready; sleep 300.{{tag}}3
            """);
        string[] sleeps = [$"300.{tag}1", $"300.{tag}2", $"300.{tag}3"];
        await _kit.WaitForAsync(id, _ => sleeps.All(s => HostProcesses.WithArgument(s).Count > 0), what: "the tree to start");
        var engineer = await _kit.UserAsync(Roles.Engineer);

        var result = await _kit.Get<DeploymentService>().CancelAsync(id, new CancelInput { Reason = "wrong build" }, engineer);

        Assert.True(result.Succeeded, result.Message);
        var deployment = await _kit.DeploymentAsync(id);
        Assert.Equal(DeploymentStatus.Cancelled, deployment.Status);
        Assert.Equal(StageStatus.Cancelled, deployment.Stages.Single().Status);
        await _kit.WaitForAsync(id, _ => sleeps.All(s => HostProcesses.WithArgument(s).Count == 0), TimeSpan.FromSeconds(10), "the process tree to die");
        Assert.Contains(await _kit.AuditAsync(id.ToString()), a => a.Action == "deployment.cancelled" && a.UserId == engineer.UserId);
        await _kit.WaitForAsync(id, _ => _kit.Runner.RunningCount == 0, TimeSpan.FromSeconds(10), "the runner to let go of the stage");
    }

    [Fact]
    public async Task Cancel_FinishedDeployment_IsInvalid()
    {
        var id = await DeployAsync("stages:\n  - name: a\n    kind: command\n    run: 'true'");
        await _kit.WaitForFinishAsync(id);

        var result = await _kit.Get<DeploymentService>().CancelAsync(id, new CancelInput(), await _kit.UserAsync(Roles.Engineer));
        var unknown = await _kit.Get<DeploymentService>().CancelAsync(Guid.NewGuid(), new CancelInput(), await _kit.UserAsync(Roles.Engineer));

        Assert.Contains("nothing to cancel", result.Message);
        Assert.Equal(DeployGuard.Data.Services.Common.ResultStatus.NotFound, unknown.Status);
    }

    [Fact]
    public async Task Run_HealthCheckAgainstARealHttpServer_RecordsEveryAttempt()
    {
        var hits = 0;
        await using var server = await StartHttpAsync(async context =>
        {
            // Unhealthy twice, then healthy.
            var n = Interlocked.Increment(ref hits);
            context.Response.StatusCode = n < 3 ? 503 : 200;
            await context.Response.WriteAsync(n < 3 ? "warming up" : "{\"status\":\"ok\"}");
        });
        var id = await DeployAsync($"""
            stages:
              - name: smoke_test
                kind: health_check
                url: {server.Url}/health
                attempts: 5
                interval: 0.2
                expect_body: ok
            """);

        var deployment = await _kit.WaitForFinishAsync(id);

        Assert.Equal(DeploymentStatus.Succeeded, deployment.Status);
        await using var db = _kit.Db();
        var attempts = await db.HealthCheckAttempts.Where(h => h.DeploymentId == id).OrderBy(h => h.Attempt).ToListAsync();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal([503, 503, 200], attempts.Select(a => a.StatusCode ?? 0));
        Assert.Equal([false, false, true], attempts.Select(a => a.Healthy));
        Assert.All(attempts, a => Assert.Equal(5, a.MaxAttempts));
        Assert.Equal("warming up", attempts[0].BodyExcerpt);
        Assert.All(attempts, a => Assert.NotNull(a.LatencyMs));
    }

    [Fact]
    public async Task Run_HealthCheckNeverHealthy_FailsAfterItsAttempts()
    {
        await using var server = await StartHttpAsync(context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        var id = await DeployAsync($"stages:\n  - name: smoke\n    kind: health_check\n    url: {server.Url}/\n    attempts: 3\n    interval: 0.1");

        var deployment = await _kit.WaitForFinishAsync(id);

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        Assert.Contains("not healthy after 3 attempts", deployment.Stages.Single().Error);
        await using var db = _kit.Db();
        Assert.Equal(3, await db.HealthCheckAttempts.CountAsync(h => h.DeploymentId == id));
    }

    [Fact]
    public async Task Run_TcpHealthCheck_ConnectsToAListeningPort()
    {
        await using var server = await StartHttpAsync(_ => Task.CompletedTask);
        var id = await DeployAsync($"stages:\n  - name: port\n    kind: health_check\n    type: tcp\n    url: {new Uri(server.Url).Authority}\n    attempts: 1");

        Assert.Equal(DeploymentStatus.Succeeded, (await _kit.WaitForFinishAsync(id)).Status);
    }

    [Fact]
    public async Task Run_WaitAndExternalStages_WaitForTimerAndReport()
    {
        var id = await DeployAsync("stages:\n  - name: pause\n    kind: wait\n    seconds: 1\n  - name: qa\n    kind: external\n    timeout: 60\n  - name: done\n    kind: command\n    run: echo done");
        await _kit.WaitForStageAsync(id, "qa", StageStatus.Running);
        var engineer = await _kit.UserAsync(Roles.Engineer);
        var deployments = _kit.Get<DeploymentService>();

        var wrongStage = await deployments.ReportExternalAsync(id, "pause", new ExternalReportInput { Succeeded = true }, engineer);
        var report = await deployments.ReportExternalAsync(id, "qa", new ExternalReportInput { Succeeded = true, Message = "QA signed off" }, engineer);
        var deployment = await _kit.WaitForFinishAsync(id);

        Assert.Equal(DeployGuard.Data.Services.Common.ResultStatus.Invalid, wrongStage.Status);
        Assert.True(report.Succeeded, report.Message);
        Assert.Equal(DeploymentStatus.Succeeded, deployment.Status);
        var pause = deployment.Stages.Single(s => s.Name == "pause");
        Assert.True(pause.DurationMs >= 900, $"the wait took {pause.DurationMs} ms");
        Assert.Contains(await _kit.LogsAsync(id), l => l.Message.Contains("QA signed off"));
    }

    [Fact]
    public async Task Run_ExternalStageWithoutReport_TimesOut()
    {
        var id = await DeployAsync("stages:\n  - name: qa\n    kind: external\n    timeout: 1");

        var deployment = await _kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(15));

        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        Assert.Contains("No external report arrived within 1 s", deployment.Stages.Single().Error);
    }

    [Fact]
    public async Task Run_SecurityGateWithNothingScanned_WarnsSaysWhyAndContinues()
    {
        var id = await DeployAsync("stages:\n  - name: security_scan\n    kind: security_gate");

        var deployment = await _kit.WaitForFinishAsync(id);

        // Approving with nothing checked is not possible: the gate warns, and a warning lets the deployment go on.
        Assert.Equal(DeploymentStatus.Succeeded, deployment.Status);
        await using var db = _kit.Db();
        var decision = await db.SecurityGateDecisions.SingleAsync(g => g.DeploymentId == id);
        Assert.Equal(GateDecision.Warn, decision.Decision);
        Assert.False(decision.ScanResultsFound);
        Assert.Contains("Checked: nothing (no completed scan of the service)", decision.Reason);
        Assert.Equal(0, decision.PolicyVersion);
    }

    [Fact]
    public async Task Run_SameServiceAndEnvironment_RunsOneDeploymentAtATimeInOrder()
    {
        var service = await _kit.ServiceAsync("stages:\n  - name: a\n    kind: command\n    run: echo \"$DG_RELEASE_VERSION\"; sleep 0.3");
        var ids = new List<Guid>();
        foreach (var version in new[] { "1.0.0", "1.0.1", "1.0.2" })
        {
            ids.Add(await _kit.StartAsync(await _kit.ReleaseAsync(service.Id, version), _environment.Id));
        }

        var finished = new List<Deployment>();
        foreach (var id in ids)
        {
            finished.Add(await _kit.WaitForFinishAsync(id));
        }

        Assert.All(finished, d => Assert.Equal(DeploymentStatus.Succeeded, d.Status));
        for (var i = 1; i < finished.Count; i++)
        {
            Assert.True(finished[i].StartedAt >= finished[i - 1].CompletedAt, "deployments of one service+environment overlapped");
        }
    }

    internal static async Task<HttpTarget> StartHttpAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpTarget(app, address);
    }

    internal sealed record HttpTarget(WebApplication App, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
