using DeployGuard.Data;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Data.Services.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Commands;

/// <summary>
/// seed-demo's vulnerabilities: three real scanner reports (Commands/DemoReports) imported for three services, so
/// /vulnerabilities, the CVE pages and the dashboard's security widgets have something to show; then notification-service
/// 1.0.0 goes to Development, its gate blocks on two critical glibc findings, an approver accepts that risk for 30 days, and
/// the second deployment goes through (the gate warns on the high ones). Only when no report has been imported yet. It
/// runs before the deployment history (DemoSeeder), which then takes that release on to Staging.
/// </summary>
internal static class DemoVulnerabilities
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    public static async Task SeedAsync(IServiceProvider services, IReadOnlyDictionary<string, string> userIds)
    {
        var factory = services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
        Dictionary<string, Guid> serviceIds;
        await using (var db = await factory.CreateDbContextAsync())
        {
            if (await db.Scans.AnyAsync(s => s.Origin == ScanOrigin.Import))
            {
                return;
            }

            serviceIds = await db.Services.ToDictionaryAsync(s => s.Name, s => s.Id);
        }

        const string admin = "admin@deployguard.local";
        var adminCaller = new Caller(userIds[admin], admin, [Roles.Admin], "127.0.0.1", "seed-demo");
        var importer = services.GetRequiredService<ReportImportService>();
        var notificationCommit = await ReleaseCommitAsync(factory, serviceIds["notification-service"], "1.0.0");
        foreach (var (file, service, commit) in new[]
                 {
                     ("grype-dd-1.json", "notification-service", notificationCommit),
                     ("trivy-dd-2.json", "api-gateway", null),
                     ("cyclonedx-dd-1.json", "auth-service", null),
                 })
        {
            await using var report = typeof(DemoVulnerabilities).Assembly.GetManifestResourceStream($"DemoReports.{file}")
                                     ?? throw new InvalidOperationException($"The demo report {file} is not embedded in the app.");
            var imported = Require(await importer.ImportAsync(new ImportRequest
            {
                Report = report, FileName = file, ServiceId = serviceIds[service], CommitSha = commit,
            }, adminCaller));
            Console.WriteLine($"  {file} imported for {service}: {imported.ResultsInReport} result(s), {imported.Findings} finding(s)");
        }

        await BlockedThenAcceptedAsync(services, userIds, serviceIds["notification-service"]);
    }

    private static async Task BlockedThenAcceptedAsync(IServiceProvider services, IReadOnlyDictionary<string, string> userIds, Guid serviceId)
    {
        // The deployments run on this instance's job workers (DemoSeeder runs them for the length of the seeding).
        if (!services.GetRequiredService<IOptions<JobsOptions>>().Value.Enabled)
        {
            Console.WriteLine("  no gated deployment: job workers are switched off on this instance (Jobs:Enabled=false)");
            return;
        }

        var factory = services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
        Guid releaseId, developmentId;
        await using (var db = await factory.CreateDbContextAsync())
        {
            releaseId = await db.Releases.Where(r => r.ServiceId == serviceId && r.Version == "1.0.0").Select(r => r.Id).SingleAsync();
            developmentId = await db.Environments.Where(e => e.Name == "Development").Select(e => e.Id).SingleAsync();
        }

        const string engineer = "dev.backend@deployguard.local";
        const string approver = "lead.backend@deployguard.local";
        var engineerCaller = new Caller(userIds[engineer], engineer, [Roles.Engineer], "127.0.0.1", "seed-demo");
        var approverCaller = new Caller(userIds[approver], approver, [Roles.Approver], "127.0.0.1", "seed-demo");
        {
            var deployments = services.GetRequiredService<DeploymentService>();
            var input = new StartDeploymentInput { ReleaseId = releaseId, EnvironmentId = developmentId };
            var blocked = Require(await deployments.StartAsync(input, engineerCaller)).DeploymentId;
            var first = await WaitAsync(factory, blocked);

            var criticals = (await services.GetRequiredService<VulnerabilitySearch>().ListAsync(new VulnerabilityQuery
            {
                ServiceId = serviceId, MinSeverity = DeployGuard.Scanning.Severity.Critical, Take = 50,
            })).Items.Select(f => f.Id).ToList();
            Require(await services.GetRequiredService<RiskService>().AcceptAsync(new FindingRefs(criticals, []),
                "glibc mq_notify (CVE-2021-33574): the service never calls mq_notify; Debian has no fix yet. Revisit with the next base image.",
                services.GetRequiredService<TimeProvider>().GetUtcNow().AddDays(30), approverCaller));

            var second = await WaitAsync(factory, Require(await deployments.StartAsync(input, engineerCaller)).DeploymentId);
            Console.WriteLine($"  notification-service 1.0.0 to Development: {first.Status} by the security gate, then {second.Status} once " +
                              $"{criticals.Count} critical finding(s) were accepted by {approver}");
        }
    }

    private static async Task<string?> ReleaseCommitAsync(IDbContextFactory<ApplicationDbContext> factory, Guid serviceId, string version)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Releases.Where(r => r.ServiceId == serviceId && r.Version == version).Select(r => r.CommitSha).SingleOrDefaultAsync();
    }

    private static async Task<Deployment> WaitAsync(IDbContextFactory<ApplicationDbContext> factory, Guid deploymentId)
    {
        var deadline = DateTimeOffset.UtcNow + StepTimeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = await factory.CreateDbContextAsync();
            var deployment = await db.Deployments.AsNoTracking().FirstAsync(d => d.Id == deploymentId);
            if (deployment.IsFinished)
            {
                return deployment;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Seeding the gated deployment: {deploymentId} did not finish within {StepTimeout.TotalSeconds:N0} s.");
    }

    private static T Require<T>(Result<T> result) =>
        result.Succeeded ? result.Value! : throw new InvalidOperationException($"Seeding vulnerabilities failed: {result.Message}");
}
