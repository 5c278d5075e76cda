using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using DeployGuard.Web.Commands;

namespace DeployGuard.Tests.Web.Commands;

/// <summary>`seed-demo`: seed 05's volumes, every role, a real deployment history and secret scan, and idempotent.</summary>
public sealed class DemoSeederTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task SeedAsync_RunTwice_CreatesSeedVolumesOnce()
    {
        using var folder = new TempFolder();
        var repository = Path.Combine(folder.Path, "payment-api");
        await DemoSeeder.SeedAsync(app.Services, repository);
        await DemoSeeder.SeedAsync(app.Services, repository);

        Assert.Equal(3L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM teams"));
        Assert.Equal(5L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM services"));
        Assert.Equal(3L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM environments"));
        Assert.Equal(8L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users WHERE email LIKE '%@deployguard.local'"));
        var roles = await Sql.ListAsync<string>(app.ConnectionString,
            "SELECT DISTINCT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id WHERE u.email LIKE '%@deployguard.local'");
        Assert.Equal(["Admin", "Approver", "Engineer", "Viewer"], roles.Order());
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM environments WHERE is_protected"));
        Assert.Equal(10L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM releases"));
        // The deployment history was really run: stages by the runner, an approval given, a rollback, one approval pending.
        // 11 of the delivery history (payment-api blocked by its secrets), and notification-service 1.0.0 to Development
        // twice: blocked by the gate, then through it.
        Assert.Equal(13L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM deployments"));
        Assert.Equal(9L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM deployments WHERE status = 'Succeeded'"));
        // The scans ran before the deployments: payment-api's gate blocked on the secrets the demo scan found, not "nothing checked".
        var payment = await Sql.ListAsync<string>(app.ConnectionString,
            "SELECT g.decision || ' ' || g.scan_results_found || ' ' || d.status FROM security_gate_decisions g JOIN deployments d ON d.id = g.deployment_id " +
            "WHERE d.service_id = (SELECT id FROM services WHERE name = 'payment-api')");
        Assert.Equal(["Reject true Failed"], payment);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM deployments WHERE status = 'RolledBack'"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM rollbacks"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM approvals WHERE decision = 'Approved'"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString,
            "SELECT count(*) FROM deployment_stages WHERE kind = 'Approval' AND status = 'Running'"));
        Assert.True(await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM deployment_logs WHERE message = 'GET /health returned 503'") >= 1);
        // One real scan of a generated repository: a finding per planted credential, the removed token included.
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM scan_jobs WHERE status = 'Completed'"));
        var rules = await Sql.ListAsync<string>(app.ConnectionString, "SELECT rule_id FROM secret_findings ORDER BY rule_id");
        Assert.Equal(["aws-access-key-id", "aws-secret-access-key", "database-url-password", "github-pat", "slack-webhook-url", "stripe-test-key"], rules);
        // Three shared scanner reports imported (Grype 5 findings, Trivy 13, CycloneDX 14: 10 vulnerabilities affecting 14 components); the gate blocked on glibc's two criticals
        // until an approver accepted them, then warned.
        Assert.Equal(3L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM scans WHERE origin = 'import'"));
        Assert.Equal(32L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM vulnerability_findings"));
        Assert.Equal(2L, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM vulnerability_findings WHERE status = 'accepted_risk'"));
        var gates = await Sql.ListAsync<string>(app.ConnectionString,
            "SELECT g.decision FROM security_gate_decisions g JOIN deployments d ON d.id = g.deployment_id JOIN environments e ON e.id = d.environment_id " +
            "WHERE e.name = 'Development' AND d.service_id = (SELECT id FROM services WHERE name = 'notification-service') ORDER BY g.decided_at");
        // Blocked, accepted, through; then 1.1.0 (no scan of its own: judged by 1.0.0's, accepted) warns, fails its smoke test, rolls back.
        Assert.Equal(["Reject", "Warn", "Warn"], gates.Take(3));
        Assert.Equal(6, Directory.GetFiles(repository, "*", SearchOption.AllDirectories).Count(f => !f.Contains("/.git/", StringComparison.Ordinal)));
    }
}
