using DeployGuard.Data;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Commands;

/// <summary>
/// The demo's deployment history (seed 05: deployments across environments, approvals approved and pending, a rollback,
/// a release the security gate blocks), made the real way: the demo users start deployments, the pipeline runner runs
/// their stages (shell commands), the gate judges what the demo's scans and imports found (they run first), an approver
/// approves production, an engineer rolls back a failed smoke test. Only on a database with no deployments yet.
/// </summary>
internal static class DemoDeployments
{
    // notification-service's smoke test fails for 1.1.0, so the demo holds a failure, a rollback and a blocked release.
    private const string NotificationPipeline =
        """
        stages:
          - name: build
            kind: command
            run: echo "Building $DG_SERVICE $DG_RELEASE_VERSION ($DG_COMMIT_SHA)"
          - name: test
            kind: command
            run: for suite in unit integration contract; do echo "$suite tests passed"; done
          - name: security_scan
            kind: security_gate
          - name: approval
            kind: approval
            protected_only: true
          - name: deploy
            kind: command
            run: echo "Deploying $DG_RELEASE_VERSION to $DG_ENVIRONMENT"
          - name: smoke_test
            kind: command
            run: |
              if [ "$DG_RELEASE_VERSION" = "1.1.0" ]; then echo "GET /health returned 503" >&2; exit 1; fi
              echo "GET /health returned 200"

        """;

    /// <summary>
    /// The pipeline of the deployments people start on the demo: the history above runs in seconds, but a deployment one
    /// watches takes a few seconds a stage and logs on the way, so the page visibly moves (issue 9).
    /// </summary>
    internal static string WatchablePipeline(bool failingSmokeTest)
    {
        var smoke = failingSmokeTest ? """if [ "$DG_RELEASE_VERSION" = "1.1.0" ]; then echo "GET /health returned 503" >&2; exit 1; fi""" : "true";
        return $$"""
            stages:
              - name: build
                kind: command
                run: |
                  echo "Building $DG_SERVICE $DG_RELEASE_VERSION ($DG_COMMIT_SHA)"
                  sleep 2; echo "Compiled in release mode"
                  sleep 2; echo "Image $DG_SERVICE:$DG_RELEASE_VERSION built"
              - name: test
                kind: command
                run: for suite in unit integration contract; do sleep 1.5; echo "$suite tests passed"; done
              - name: security_scan
                kind: security_gate
              - name: approval
                kind: approval
                protected_only: true
              - name: deploy
                kind: command
                run: |
                  echo "Deploying $DG_RELEASE_VERSION to $DG_ENVIRONMENT"
                  for step in 1 2 3; do sleep 1.5; echo "rolled out $step of 3 instances"; done
              - name: smoke_test
                kind: command
                run: |
                  sleep 2
                  {{smoke}}
                  echo "GET /health returned 200"

            """;
    }

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Whether the database has no deployments yet (asked before the gated story of the vulnerabilities adds two).</summary>
    public static async Task<bool> NoneYetAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        return !await db.Deployments.AnyAsync();
    }

    /// <summary>The history; DemoSeeder runs it only when <see cref="NoneYetAsync"/> said so before seeding began.</summary>
    public static async Task SeedAsync(IServiceProvider services, IReadOnlyDictionary<string, string> userIds)
    {
        var factory = services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
        Dictionary<string, Guid> serviceIds;
        Dictionary<(string Service, string Version), Guid> releases;
        Dictionary<string, Guid> environments;
        await using (var db = await factory.CreateDbContextAsync())
        {
            serviceIds = await db.Services.ToDictionaryAsync(s => s.Name, s => s.Id);
            releases = (await db.Releases.Select(r => new { Service = r.Service!.Name, r.Version, r.Id }).ToListAsync())
                .ToDictionary(r => (r.Service, r.Version), r => r.Id);
            environments = await db.Environments.ToDictionaryAsync(e => e.Name, e => e.Id);
        }

        if (!services.GetRequiredService<IOptions<JobsOptions>>().Value.Enabled)
        {
            Console.WriteLine("  no deployments: job workers are switched off on this instance (Jobs:Enabled=false)");
            return;
        }

        {
            var seeding = new Seeding(services, userIds, releases, environments);
            Require(await services.GetRequiredService<PipelineService>().SaveAsync(serviceIds["notification-service"],
                new PipelineInput { Yaml = NotificationPipeline }, Caller.System));

            const string backend = "dev.backend@deployguard.local";
            await seeding.DeployAsync("auth-service", "1.0.0", "Development", backend);
            await seeding.DeployAsync("auth-service", "1.0.0", "Staging", backend);
            var production = await seeding.DeployAsync("auth-service", "1.0.0", "Production", backend, waitForApproval: true);
            await seeding.ApproveAsync(production, "lead.backend@deployguard.local", "Staging soaked for a day; ship it.");
            // The demo scan found payment-api's leaked credentials in its history: its gate blocks the release.
            await seeding.DeployAsync("payment-api", "1.0.0", "Development", backend);
            const string platform = "dev.platform@deployguard.local";
            await seeding.DeployAsync("api-gateway", "1.0.0", "Development", platform);
            await seeding.DeployAsync("api-gateway", "1.0.0", "Staging", platform);
            await seeding.DeployAsync("user-dashboard", "1.0.0", "Development", "dev.frontend@deployguard.local");
            // notification-service 1.0.0 went to Development through the gated story (blocked, its criticals accepted, through).
            await seeding.DeployAsync("notification-service", "1.0.0", "Staging", backend);
            var failed = await seeding.DeployAsync("notification-service", "1.1.0", "Development", backend);
            await seeding.RollbackAsync(failed, backend, "Smoke test failed: /health returns 503");
            // Left waiting, so the approvals inbox has something in it.
            await seeding.DeployAsync("api-gateway", "1.0.0", "Production", platform, waitForApproval: true);
            Console.WriteLine($"  {seeding.Count} deployment(s), run by the pipeline runner; payment-api's blocked by its secrets, one waits for approval in Production");
            foreach (var (name, id) in serviceIds)
            {
                Require(await services.GetRequiredService<PipelineService>().SaveAsync(id,
                    new PipelineInput { Yaml = WatchablePipeline(failingSmokeTest: name == "notification-service") }, Caller.System));
            }

            Console.WriteLine("  pipelines from here on take a few seconds a stage, so a deployment one watches moves");
        }
    }

    private static T Require<T>(Result<T> result) =>
        result.Succeeded ? result.Value! : throw new InvalidOperationException($"Seeding deployments failed: {result.Message}");

    private sealed class Seeding(
        IServiceProvider services,
        IReadOnlyDictionary<string, string> userIds,
        IReadOnlyDictionary<(string Service, string Version), Guid> releases,
        IReadOnlyDictionary<string, Guid> environments)
    {
        public int Count { get; private set; }

        private Caller As(string email)
        {
            var role = DemoSeeder.Users.First(u => u.Email == email).Role;
            return new Caller(userIds[email], email, [role], "127.0.0.1", "seed-demo");
        }

        public async Task<Guid> DeployAsync(string service, string version, string environment, string by, bool waitForApproval = false)
        {
            var started = Require(await services.GetRequiredService<DeploymentService>().StartAsync(
                new StartDeploymentInput { ReleaseId = releases[(service, version)], EnvironmentId = environments[environment] }, As(by)));
            Count++;
            await WaitAsync(started.DeploymentId, waitForApproval, $"{service} {version} to {environment}");
            return started.DeploymentId;
        }

        public async Task ApproveAsync(Guid deploymentId, string by, string note)
        {
            Require(await services.GetRequiredService<ApprovalService>().DecideAsync(deploymentId, new ApprovalInput { Approve = true, Notes = note }, As(by)));
            await WaitAsync(deploymentId, waitForApproval: false, "the approved deployment");
        }

        public async Task RollbackAsync(Guid deploymentId, string by, string reason)
        {
            var next = Require(await services.GetRequiredService<DeploymentService>().RollbackAsync(deploymentId, new RollbackInput { Reason = reason }, As(by)));
            Count++;
            await WaitAsync(next.DeploymentId, waitForApproval: false, "the rollback");
        }

        /// <summary>Until the deployment has finished (or, when asked, reached its approval stage).</summary>
        private async Task WaitAsync(Guid deploymentId, bool waitForApproval, string what)
        {
            var factory = services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
            var deadline = DateTimeOffset.UtcNow + StepTimeout;
            while (DateTimeOffset.UtcNow < deadline)
            {
                await using var db = await factory.CreateDbContextAsync();
                var deployment = await db.Deployments.AsNoTracking().Include(d => d.Stages).FirstAsync(d => d.Id == deploymentId);
                if (deployment.IsFinished ||
                    (waitForApproval && deployment.Stages.Any(s => s.Kind == StageKind.Approval && s.Status == StageStatus.Running)))
                {
                    return;
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"Seeding deployments: {what} did not get on within {StepTimeout.TotalSeconds:N0} s.");
        }
    }
}
