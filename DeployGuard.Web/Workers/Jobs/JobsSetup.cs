using DeployGuard.Data.Services.Jobs;

namespace DeployGuard.Web.Workers.Jobs;

/// <summary>The event bus's listener and the job queue's workers (docs/decisions/0013); features add their kinds' workers.</summary>
internal static class JobsSetup
{
    /// <summary>
    /// The one LISTEN connection of this instance (first, so other instances' events flow before workers take work) and the
    /// queue's own cleanup. Settings: <c>Jobs</c> (validated at start-up; see README).
    /// </summary>
    public static void AddEventsAndJobs(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<JobWorkerServices>();
        services.AddSingleton<EventBusListener>();
        services.AddHostedService(sp => sp.GetRequiredService<EventBusListener>());
        services.AddJobWorker<JobCleanupWorker>();
    }

    /// <summary>Registers a kind's worker: one instance, started with the host, listed among the instance's workers.</summary>
    public static IServiceCollection AddJobWorker<TWorker>(this IServiceCollection services) where TWorker : class, IJobWorker
    {
        services.AddSingleton<TWorker>();
        services.AddSingleton<IJobWorker>(sp => sp.GetRequiredService<TWorker>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<TWorker>());
        return services;
    }

    /// <summary>Registers the worker of a kind whose claim step does all the work.</summary>
    public static IServiceCollection AddClaimStepWorker(this IServiceCollection services, string kind, Func<IServiceProvider, JobKind<NoWork>> select)
    {
        services.AddKeyedSingleton(kind, (sp, _) => new ClaimStepWorker(sp.GetRequiredService<JobWorkerServices>(), select(sp)));
        services.AddSingleton<IJobWorker>(sp => sp.GetRequiredKeyedService<ClaimStepWorker>(kind));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<ClaimStepWorker>(kind));
        return services;
    }

    /// <summary>
    /// Runs this instance's workers while <paramref name="work"/> runs, when the host is not running them (command mode:
    /// <c>seed-demo</c> deploys and scans through the same queue and workers as the server).
    /// </summary>
    public static async Task WithWorkersAsync(IServiceProvider services, Func<Task> work)
    {
        var started = new List<IHostedService>();
        if (!services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested)
        {
            started.Add(services.GetRequiredService<EventBusListener>());
            started.AddRange(services.GetServices<IJobWorker>());
            foreach (var service in started)
            {
                await service.StartAsync(CancellationToken.None);
            }
        }

        try
        {
            await work();
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(started))
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }
}

/// <summary>The worker of the queue's retention sweep; it queues the first sweep (once across instances) when it starts.</summary>
internal sealed class JobCleanupWorker(JobWorkerServices services, JobCleanup cleanup) : JobWorker<NoWork>(services, cleanup)
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Settings.Enabled)
        {
            try
            {
                await JobCleanup.EnsureScheduledAsync(Queue, stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                Logger.LogWarning(ex, "Could not schedule the job cleanup; the next start will");
            }
        }

        await base.ExecuteAsync(stoppingToken);
    }

    protected override Task<JobResult> RunAsync(JobRun<NoWork> run, CancellationToken ct) =>
        throw new InvalidOperationException("The cleanup is done by its claim step.");
}
