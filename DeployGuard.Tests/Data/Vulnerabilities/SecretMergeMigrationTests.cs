using DeployGuard.Data.Migrations;
using DeployGuard.Scanning.Reports;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Vulnerabilities;

/// <summary>The VulnerabilityManagement migration merges the per-scan copies of secret findings that earlier versions stored.</summary>
public sealed class SecretMergeMigrationTests
{
    [Fact]
    public async Task Upgrade_ThreeScansOfSixSecrets_SixFindingsWithEverySightingAndTheLatestTriage()
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync("mig_secrets");
        await using var services = TestPostgres.BuildDataServices(connectionString);
        var migrator = services.GetRequiredService<SchemaMigrator>();
        await migrator.UpgradeAsync("CleanBundlesInDatabase");
        var repository = "https://github.com/acme/payments.git";
        var jobs = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        for (var j = 0; j < 3; j++)
        {
            await Sql.ExecuteAsync(connectionString, """
                INSERT INTO scan_jobs (id, source_platform, source_url, status, commits_total, commits_done, files_total, files_done,
                    total_secrets_found, suppressed_count, created_at)
                VALUES (@id, 'GitHub', @url, 'Completed', 1, 1, 1, 1, 6, 0, @at)
                """, ("id", jobs[j]), ("url", repository), ("at", DateTimeOffset.UtcNow.AddHours(j - 3)));
            for (var s = 0; s < 6; s++)
            {
                // The first scan's copy of secret 0 was marked a false positive an hour later than anything else happened.
                var triaged = j == 0 && s == 0;
                await Sql.ExecuteAsync(connectionString, """
                    INSERT INTO secret_findings (id, job_id, rule_id, secret_type, severity, secret_value_hash, redacted_preview, value_pattern,
                        file_path, line, "column", status, triage_reason, triaged_by, triaged_at, selected_for_cleaning, suppressed, first_seen_at, created_at)
                    VALUES (@id, @job, 'generic-api-key', 'api_key', 'high', @hash, 'sk_l****', 'sk_live_[alnum:24]', @path, 3, 7, @status, @reason,
                        @by, @triagedAt, false, false, @at, @at)
                    """, ("id", Guid.NewGuid()), ("job", jobs[j]), ("hash", Hash(s)), ("path", $"config/{s}.env"),
                    ("status", triaged ? "FalsePositive" : "Open"), ("reason", triaged ? "test key" : null), ("by", triaged ? "alice" : null),
                    ("triagedAt", triaged ? DateTimeOffset.UtcNow : null), ("at", DateTimeOffset.UtcNow.AddHours(j - 3)));
            }
        }

        await migrator.UpgradeAsync();

        Assert.Equal(6, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM secret_findings"));
        Assert.Equal(18, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM secret_finding_sightings"));
        Assert.Equal("FalsePositive", await Sql.ScalarAsync<string>(connectionString,
            "SELECT status FROM secret_findings WHERE secret_value_hash = @h", ("h", Hash(0))));
        Assert.Equal(jobs[2], await Sql.ScalarAsync<Guid>(connectionString, "SELECT DISTINCT last_job_id FROM secret_findings"));
        Assert.Equal(jobs[0], await Sql.ScalarAsync<Guid>(connectionString, "SELECT DISTINCT job_id FROM secret_findings"));
        // The identity the database computed is the one the application computes.
        Assert.Equal(FindingIdentity.Secret(Hash(1), "config/1.env"), await Sql.ScalarAsync<string>(connectionString,
            "SELECT identity FROM secret_findings WHERE secret_value_hash = @h", ("h", Hash(1))));
        Assert.Equal("repo:" + repository, await Sql.ScalarAsync<string>(connectionString, "SELECT DISTINCT scope_key FROM secret_findings"));
    }

    private static string Hash(int i) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
}
