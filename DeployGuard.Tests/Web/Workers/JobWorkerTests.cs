using System.Collections.Concurrent;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Tests.Data.Jobs;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Workers.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Workers;

/// <summary>A worker of a test kind: runs whatever the test says, and records which owner ran which job.</summary>
internal sealed class RecordingWorker(JobWorkerServices services, RecordingKind kind, Func<JobRun<string>, CancellationToken, Task> work)
    : JobWorker<string>(services, kind)
{
    protected override async Task<JobResult> RunAsync(JobRun<string> run, CancellationToken ct)
    {
        await work(run, ct);
        return JobResult.Succeeded;
    }
}

/// <summary>The worker base on the real queue: two instances sharing jobs, and a worker that loses its claim.</summary>
public sealed class JobWorkerTests
{
    [Fact]
    public async Task TwoInstances_ThousandJobsOfMixedKinds_EachRunsOnce()
    {
        var echo = new RecordingKind("TestEcho");
        var runs = new ConcurrentDictionary<Guid, ConcurrentBag<string>>();
        Task Record(JobRun<string> run, CancellationToken ct)
        {
            runs.GetOrAdd(run.Claim.JobId, _ => []).Add(run.Claim.Owner);
            return Task.Delay(1, ct);
        }

        Task<DeploymentTestKit> InstanceAsync(string? connectionString) => DeploymentTestKit.CreateAsync(connectionString, runner: true, listen: true,
            configure: o => o.Kinds[echo.Name] = new JobKindOptions { Concurrency = 3 },
            services: s =>
            {
                s.AddSingleton<IJobKind>(echo);
                s.AddSingleton(sp => new RecordingWorker(sp.GetRequiredService<JobWorkerServices>(), echo, Record));
            });
        await using var a = await InstanceAsync(null);
        await using var b = await InstanceAsync(a.ConnectionString);
        await a.StartAsync(a.Get<RecordingWorker>());
        await b.StartAsync(b.Get<RecordingWorker>());
        var environment = await a.EnvironmentAsync("mixed");
        // Every run of the build stage prints one line into its deployment's log: a stage run twice would show twice. (Not a
        // file of the test's: isolated commands see a private /tmp and none of the test process's folders.)
        const string yaml = "stages:\n  - name: build\n    kind: command\n    run: echo \"ran $DG_DEPLOYMENT_ID $DG_STAGE\"\n" +
                            "  - name: soak\n    kind: wait\n    seconds: 0";

        // 400 jobs of the test kind, queued in one transaction; 150 deployments, each 4 jobs (start, build, soak, soak's timer).
        await using (var db = a.Db())
        {
            for (var i = 0; i < 400; i++)
            {
                JobQueue.Enqueue(db, echo.Name, DateTimeOffset.UtcNow);
            }

            await db.SaveChangesAsync();
        }

        var deployments = new List<Guid>();
        for (var i = 0; i < 150; i++)
        {
            var service = await a.ServiceAsync(yaml);
            deployments.Add(await a.StartAsync(await a.ReleaseAsync(service.Id), environment.Id));
        }

        var kinds = new[] { echo.Name, "DeploymentStart", "DeploymentStage", "StageTimer" };
        var deadline = DateTime.UtcNow.AddMinutes(5);
        List<Job> jobs;
        while (true)
        {
            await using var db = a.Db();
            jobs = await db.Jobs.AsNoTracking().Where(j => kinds.Contains(j.Kind)).ToListAsync();
            if (jobs.Count == 1000 && jobs.All(j => j.Status is not (JobStatus.Queued or JobStatus.Running)))
            {
                break;
            }

            // A deployment that did not succeed queues fewer jobs than it should: say why now instead of waiting out the deadline.
            var failed = await db.DeploymentStages.AsNoTracking()
                .Where(s => deployments.Contains(s.DeploymentId) && (s.Status == StageStatus.Failed || s.Status == StageStatus.Cancelled))
                .Select(s => new { s.DeploymentId, s.Name, s.Status, s.Error }).FirstOrDefaultAsync();
            if (failed is not null)
            {
                var output = await db.DeploymentLogs.AsNoTracking().Where(l => l.DeploymentId == failed.DeploymentId && l.EventType == "stderr")
                    .Select(l => l.Message).ToListAsync();
                Assert.Fail($"Deployment {failed.DeploymentId}: stage {failed.Name} {failed.Status} ({failed.Error}) {string.Join(" | ", output)}");
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"{jobs.Count(j => j.Status is JobStatus.Queued or JobStatus.Running)} of {jobs.Count} jobs still queued or running after 5 minutes");
            await Task.Delay(200);
        }

        Assert.All(jobs, j => Assert.Equal((JobStatus.Succeeded, 1), (j.Status, j.Attempts)));
        Assert.Equal(400, jobs.Count(j => j.Kind == echo.Name));
        Assert.Equal(jobs.Where(j => j.Kind == echo.Name).Select(j => j.Id).Order(), runs.Keys.Order());
        Assert.All(runs.Values, owners => Assert.Single(owners));
        await using (var db = a.Db())
        {
            var lines = await db.DeploymentLogs.AsNoTracking().Where(l => deployments.Contains(l.DeploymentId) && l.EventType == "stdout")
                .Select(l => l.Message).ToListAsync();
            Assert.Equal(deployments.Select(d => $"ran {d} build").Order(), lines.Order());
        }

        foreach (var id in deployments)
        {
            Assert.Equal(DeploymentStatus.Succeeded, (await a.DeploymentAsync(id)).Status);
        }

        // Both instances took their share.
        var owners = jobs.Select(j => j.ClaimedBy).ToHashSet();
        Assert.Contains(a.Get<RecordingWorker>().Owner, owners);
        Assert.Contains(b.Get<RecordingWorker>().Owner, owners);
        Assert.Contains(a.Runner.Owner, owners);
        Assert.Contains(b.Runner.Owner, owners);
    }

    [Fact]
    public async Task Run_ClaimLostWhileItRuns_StopsAndRecordsNothing()
    {
        var kind = new RecordingKind("TestLost");
        var started = new TaskCompletionSource<JobRun<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stoppedByToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Work(JobRun<string> run, CancellationToken ct)
        {
            started.TrySetResult(run);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                stoppedByToken.TrySetResult();
            }
        }

        await using var kit = await DeploymentTestKit.CreateAsync(services: s =>
        {
            s.AddSingleton<IJobKind>(kind);
            s.AddSingleton(sp => new RecordingWorker(sp.GetRequiredService<JobWorkerServices>(), kind, Work));
        });
        var worker = kit.Get<RecordingWorker>();
        await kit.StartAsync(worker);
        await using (var db = kit.Db())
        {
            JobQueue.Enqueue(db, kind.Name, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }

        var run = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // Someone else ends the job behind the worker's back (a person cancelling what it works on, a sweep elsewhere).
        Assert.Equal(1, await Sql.ExecuteAsync(kit.ConnectionString,
            $"UPDATE jobs SET status = 'Cancelled', completed_at = now(), last_error = 'taken away' WHERE id = '{run.Claim.JobId}'"));

        await stoppedByToken.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (worker.RunningCount > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker did not let go of the job");
            await Task.Delay(20);
        }

        Assert.True(run.ClaimLost);
        Assert.Empty(kind.Failures);
        var job = await Sql.ListAsync<string>(kit.ConnectionString, $"SELECT status || ' ' || last_error FROM jobs WHERE id = '{run.Claim.JobId}'");
        Assert.Equal(["Cancelled taken away"], job);
    }
}
