using DeployGuard.Data;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Releases;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Data.Services.Jobs;
using DeployGuard.Web.Isolation;
using DeployGuard.Web.Workers;
using DeployGuard.Web.Workers.Jobs;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// One "instance" of the deployment machinery on a database: the data services, and optionally the runner and the
/// LISTEN/NOTIFY listener, started as hosted services the way the app starts them. Two kits on one database are two
/// app instances.
/// </summary>
public sealed class DeploymentTestKit : IAsyncDisposable
{
    private readonly List<IHostedService> _started = [];

    private DeploymentTestKit(string connectionString, ServiceProvider services)
    {
        ConnectionString = connectionString;
        Services = services;
    }

    public string ConnectionString { get; }

    public ServiceProvider Services { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public ApplicationDbContext Db() => Get<IDbContextFactory<ApplicationDbContext>>().CreateDbContext();

    internal DeploymentRunner Runner => Get<DeploymentRunner>();

    /// <summary>The deployment workers a "runner" means: starting deployments, running stages, ending timers.</summary>
    private IEnumerable<IHostedService> DeploymentWorkers =>
        Services.GetServices<IJobWorker>().Where(w => w.Kind is DeploymentEngine.StartJobKind or DeploymentEngine.StageJobKind or DeploymentEngine.TimerJobKind);

    public static async Task<DeploymentTestKit> CreateAsync(string? connectionString = null, bool runner = false, bool listen = false,
        Action<JobsOptions>? configure = null, Action<IServiceCollection>? services = null, Action<RunnerOptions>? runnerOptions = null)
    {
        connectionString ??= await TestPostgres.CreateDatabaseAsync("dep");
        var provider = TestPostgres.BuildDataServices(connectionString, s =>
        {
            s.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
            // Identity's token providers need it; nothing here protects data.
            s.AddSingleton<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider());
            s.AddHttpClient(HealthCheckStage.HttpClientName);
            s.Configure<JobsOptions>(o =>
            {
                o.PollIntervalMilliseconds = 200;
                o.HeartbeatSeconds = 1;
                o.Kinds[DeploymentEngine.StageJobKind] = new JobKindOptions { StaleAfterSeconds = 10 };
                configure?.Invoke(o);
            });
            if (runnerOptions is not null)
            {
                s.Configure(runnerOptions);
            }

            // Commands run isolated as in the app; what they must not see here is the test cluster (password file, socket).
            s.AddSingleton<CommandIsolation>();
            s.AddProtectedPath(_ => TestPostgres.ClusterDirectory, "the test database's folder");
            s.AddSingleton<CommandStage>();
            s.AddSingleton<HealthCheckStage>();
            s.AddSingleton<SecurityGateStage>();
            s.AddSingleton<DeployGuard.Web.Scanning.ScannerCommandRunner>();
            s.AddSingleton<SecurityScanStage>();
            s.AddSingleton<JobWorkerServices>();
            s.AddSingleton<EventBusListener>();
            s.AddClaimStepWorker(DeploymentEngine.StartJobKind, sp => sp.GetRequiredService<DeploymentEngine>().Starts);
            s.AddJobWorker<DeploymentRunner>();
            s.AddClaimStepWorker(DeploymentEngine.TimerJobKind, sp => sp.GetRequiredService<DeploymentEngine>().Timers);
            services?.Invoke(s);
        });
        var kit = new DeploymentTestKit(connectionString, provider);
        if (listen)
        {
            var listener = provider.GetRequiredService<EventBusListener>();
            await kit.StartAsync(listener);
            await listener.Listening.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        if (runner)
        {
            foreach (var worker in kit.DeploymentWorkers)
            {
                await kit.StartAsync(worker);
            }
        }

        return kit;
    }

    /// <summary>Starts a hosted service of this "instance" (stopped when the kit is disposed).</summary>
    public async Task StartAsync(IHostedService service)
    {
        await service.StartAsync(CancellationToken.None);
        _started.Add(service);
    }

    public async Task StopRunnerAsync()
    {
        foreach (var worker in DeploymentWorkers)
        {
            if (_started.Remove(worker))
            {
                await worker.StopAsync(CancellationToken.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Enumerable.Reverse(_started))
        {
            await service.StopAsync(CancellationToken.None);
        }

        await Services.DisposeAsync();
        // Each test class has its own database: give its idle pooled connections back to the shared test cluster.
        Npgsql.NpgsqlConnection.ClearPool(new Npgsql.NpgsqlConnection(ConnectionString));
    }

    // ---- data ----

    public async Task<Caller> UserAsync(string role, string? name = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var slug = new string((name ?? role).ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        var email = $"{slug}-{Guid.NewGuid():N}@test.local";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name ?? role };
        Check(await users.CreateAsync(user, "Test-pass-2026"));
        Check(await users.AddToRoleAsync(user, role));
        return new Caller(user.Id, email, [role], "127.0.0.1", "tests");
    }

    public static Caller Admin { get; } = new("admin-test", "admin", [Roles.Admin]);

    public async Task<(DeploymentEnvironment Dev, DeploymentEnvironment Staging, DeploymentEnvironment Production)> EnvironmentsAsync(
        int productionApprovals = 1)
    {
        await using var db = Db();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var dev = new DeploymentEnvironment { Id = Guid.CreateVersion7(), Name = $"dev-{suffix}", Type = EnvironmentType.Development, SortOrder = 10 };
        var staging = new DeploymentEnvironment { Id = Guid.CreateVersion7(), Name = $"staging-{suffix}", Type = EnvironmentType.Staging, SortOrder = 20 };
        var production = new DeploymentEnvironment
        {
            Id = Guid.CreateVersion7(), Name = $"production-{suffix}", Type = EnvironmentType.Production, SortOrder = 30, IsProtected = productionApprovals > 0,
            RequiredApprovals = productionApprovals,
        };
        db.Environments.AddRange(dev, staging, production);
        await db.SaveChangesAsync();
        return (dev, staging, production);
    }

    public async Task<DeploymentEnvironment> EnvironmentAsync(string name, int sortOrder = 0, int approvals = 0, Action<DeploymentEnvironment>? edit = null)
    {
        await using var db = Db();
        var environment = new DeploymentEnvironment
        {
            Id = Guid.CreateVersion7(), Name = $"{name}-{Guid.NewGuid():N}"[..Math.Min(50, name.Length + 33)], Type = EnvironmentType.Staging,
            SortOrder = sortOrder, IsProtected = approvals > 0, RequiredApprovals = approvals,
        };
        edit?.Invoke(environment);
        db.Environments.Add(environment);
        await db.SaveChangesAsync();
        return environment;
    }

    public async Task<Service> ServiceAsync(string? yaml = null)
    {
        await using var db = Db();
        var service = new Service { Id = Guid.CreateVersion7(), Name = $"svc-{Guid.NewGuid():N}"[..20], DefaultBranch = "main" };
        db.Services.Add(service);
        if (yaml is not null)
        {
            var parsed = PipelineYaml.Parse(yaml);
            Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
            db.PipelineDefinitions.Add(new PipelineDefinition
            {
                Id = Guid.CreateVersion7(), ServiceId = service.Id, Yaml = yaml, Revision = 1,
                Stages = System.Text.Json.JsonSerializer.Serialize(parsed.Stages, StageDefinition.Json),
            });
        }

        await db.SaveChangesAsync();
        return service;
    }

    public async Task<Guid> ReleaseAsync(Guid serviceId, string version = "1.0.0", string branch = "main", string? commit = null)
    {
        var result = await Get<ReleaseService>().CreateAsync(new ReleaseInput
        {
            ServiceId = serviceId, Version = version, Branch = branch, CommitSha = commit ?? "abcdef1234567", Notes = $"Release {version}",
        }, Admin);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.Id;
    }

    public async Task<Guid> StartAsync(Guid releaseId, Guid environmentId, Caller? caller = null)
    {
        var result = await Get<DeploymentService>().StartAsync(new StartDeploymentInput { ReleaseId = releaseId, EnvironmentId = environmentId },
            caller ?? Admin with { UserId = null });
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.DeploymentId;
    }

    public async Task<Deployment> DeploymentAsync(Guid id)
    {
        await using var db = Db();
        return await db.Deployments.AsNoTracking().Include(d => d.Stages).FirstAsync(d => d.Id == id);
    }

    /// <summary>Waits (with a deadline) until the deployment satisfies the condition; returns it.</summary>
    public async Task<Deployment> WaitForAsync(Guid id, Func<Deployment, bool> condition, TimeSpan? within = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var deployment = await DeploymentAsync(id);
            if (condition(deployment))
            {
                return deployment;
            }

            if (DateTime.UtcNow > deadline)
            {
                var stages = string.Join(", ", deployment.Stages.OrderBy(s => s.Position).Select(s => $"{s.Name}={s.Status} {s.Error}"));
                Assert.Fail($"Timed out waiting for {what ?? "the condition"}: deployment is {deployment.Status} ({deployment.StatusReason}); {stages}");
            }

            await Task.Delay(50);
        }
    }

    public Task<Deployment> WaitForFinishAsync(Guid id, TimeSpan? within = null) =>
        WaitForAsync(id, d => d.IsFinished, within, "the deployment to finish");

    public Task<Deployment> WaitForStageAsync(Guid id, string stage, StageStatus status, TimeSpan? within = null) =>
        WaitForAsync(id, d => d.Stages.Any(s => s.Name == stage && s.Status == status), within, $"stage {stage} to be {status}");

    public async Task<IReadOnlyList<DeploymentLog>> LogsAsync(Guid id)
    {
        await using var db = Db();
        return await db.DeploymentLogs.AsNoTracking().Where(l => l.DeploymentId == id).OrderBy(l => l.Id).ToListAsync();
    }

    public async Task<IReadOnlyList<AuditLog>> AuditAsync(string resourceId)
    {
        await using var db = Db();
        return await db.AuditLogs.AsNoTracking().Where(a => a.ResourceId == resourceId).OrderBy(a => a.Id).ToListAsync();
    }

    private static void Check(IdentityResult result) => Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
}

/// <summary>Replaces a registration in the kit's services (e.g. the findings source).</summary>
public static class ServiceCollectionTestExtensions
{
    public static void Replace<TService, TImplementation>(this IServiceCollection services)
        where TService : class where TImplementation : class, TService =>
        services.Replace(ServiceDescriptor.Singleton<TService, TImplementation>());
}
