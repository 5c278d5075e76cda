using DeployGuard.Data.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Jobs;

public static class JobsSetup
{
    /// <summary>
    /// The job queue, its settings (section <c>Jobs</c>, validated on start) and its own housekeeping kind. Features
    /// register their kinds as <see cref="IJobKind"/>; the web app adds a worker per kind.
    /// </summary>
    public static IServiceCollection AddJobQueue(this IServiceCollection services)
    {
        services.AddValidatedOptions<JobsOptions>(JobsOptions.Section);
        // The per-kind rules need the registered kinds, and moved settings need the configuration: a second validator.
        services.AddSingleton<IValidateOptions<JobsOptions>, JobKindsValidator>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobCleanup>();
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<JobCleanup>());
        return services;
    }
}
