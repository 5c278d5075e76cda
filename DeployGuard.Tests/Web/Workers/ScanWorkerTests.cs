using System.Collections.Concurrent;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Events;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using DeployGuard.Web.Scanning;
using DeployGuard.Web.Workers;
using DeployGuard.Web.Workers.Jobs;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Workers;

/// <summary>The scan worker on the job queue, against a real git server on loopback.</summary>
public sealed class ScanWorkerTests
{
    [Fact]
    public async Task Scan_CloneLongerThanTheStalePeriod_IsNotFailedWhileItHeartbeats()
    {
        // A repository with a secret in its history, served by "dumb" HTTP: git fetches its files one by one.
        var awsKey = "AKIA" + new FakeSecrets(47).Base32(16);
        using var source = new TempGitRepo();
        source.Write("deploy.sh", $"export AWS_ACCESS_KEY_ID={awsKey}\necho deploying\n");
        source.Commit("config");
        using var served = new TempFolder();
        var bare = Path.Combine(served.Path, "app.git");
        TempGitRepo.RunGit(served.Path, "clone", "--bare", "--quiet", source.Path, bare);
        TempGitRepo.RunGit(bare, "update-server-info");
        var firstRequest = 0;
        await using var server = await RunnerTests.StartHttpAsync(async context =>
        {
            // The clone's first request takes 6 s: twice the stale period configured below.
            if (Interlocked.Exchange(ref firstRequest, 1) == 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(6));
            }

            var file = Path.GetFullPath(Path.Combine(served.Path, context.Request.Path.Value!.TrimStart('/')));
            if (!file.StartsWith(bare + "/", StringComparison.Ordinal) || !File.Exists(file))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await context.Response.SendFileAsync(file);
        });
        await using var kit = await DeploymentTestKit.CreateAsync(
            configure: o =>
            {
                o.HeartbeatSeconds = 1;
                o.Kinds[ScanJobQueue.ScanJobKind] = new JobKindOptions { StaleAfterSeconds = 3 };
            },
            services: s =>
            {
                s.AddSingleton<ScanJobRunner>();
                s.AddJobWorker<ScanWorker>();
            });
        var events = new ConcurrentQueue<ScanEvent>();
        await kit.StartAsync(kit.Get<ScanWorker>());
        var created = await kit.Get<ScanJobService>().CreateAsync(
            new ScanJobInput { SourcePlatform = SourcePlatform.GitHub, SourceUrl = $"{server.Url}/app.git" }, DeploymentTestKit.Admin);
        Assert.True(created.Succeeded, created.Message);
        var id = created.Value!.Id;
        using var subscription = kit.Get<EventBus>().Subscribe(Topics.Scans, id, events.Enqueue);

        var deadline = DateTime.UtcNow.AddSeconds(90);
        ScanJobRow job;
        while ((job = (await kit.Get<ScanJobService>().GetAsync(id))!).Status is ScanStatus.Pending or ScanStatus.Scanning)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the scan is still {job.Status} after 90 s");
            await Task.Delay(100);
        }

        Assert.True(job.Status == ScanStatus.Completed, $"{job.Status}: {job.ErrorMessage}");
        Assert.Equal(1, job.TotalSecretsFound);
        Assert.DoesNotContain(events, e => e.Kind == ScanEventKind.Failed);
        Assert.Equal(1, Volatile.Read(ref firstRequest));
        await using var db = kit.Db();
        var claim = await db.Jobs.AsNoTracking().SingleAsync(j => j.SubjectId == id);
        Assert.Equal((JobStatus.Succeeded, 1), (claim.Status, claim.Attempts));
    }
}
