using System.Diagnostics;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

using static DeployGuard.Tests.Web.Scanning.ScanFlow;

namespace DeployGuard.Tests.Web.Scanning;

/// <summary>What the scan flow tests do to the app: start a scan of a local repository, wait for a job to get on.</summary>
internal static class ScanFlow
{
    public static readonly Caller Admin = new("scan-admin", "scan-admin@example.test", [Roles.Admin]);

    public static T Service<T>(this CapturingWebAppFactory app) where T : notnull => app.Services.GetRequiredService<T>();

    public static async Task<ScanJobRow> StartScanAsync(this CapturingWebAppFactory app, string path)
    {
        var result = await app.Service<ScanJobService>().CreateAsync(new ScanJobInput { SourcePlatform = SourcePlatform.Local, SourceUrl = path }, Admin);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!;
    }

    public static Task<ScanJobRow> WaitForScanAsync(this CapturingWebAppFactory app, Guid id, Func<ScanJobRow, bool> condition) =>
        PollAsync(() => app.Service<ScanJobService>().GetAsync(id), condition, job => $"Scan {id} still {job?.Status} after 90 s: {job?.ErrorMessage}");

    public static Task<CleanJobRow> WaitForCleanAsync(this CapturingWebAppFactory app, Guid id) =>
        PollAsync(() => app.Service<CleanJobService>().GetAsync(id), clean => clean.Status is ScanStatus.Completed or ScanStatus.Failed,
            clean => $"Cleaning {id} still {clean?.Status} after 90 s");

    private static async Task<T> PollAsync<T>(Func<Task<T?>> read, Func<T, bool> condition, Func<T?, string> timeoutMessage) where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var row = await read();
            if (row is not null && condition(row))
            {
                return row;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), timeoutMessage(row));
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// Scan jobs end to end inside the real app: the worker claims the job, scans the full history of a real git
/// repository, stores findings (hashes only), learns from triage, and cleans the history into a bundle.
/// </summary>
public sealed class ScanJobFlowTests(CapturingWebAppFactory app) : IClassFixture<CapturingWebAppFactory>
{
    [Fact]
    public async Task ScanJob_OnRepositoryWithSecrets_FindsThemInHistoryAndStoresNoRawValue()
    {
        var fake = new FakeSecrets(11);
        var githubToken = "ghp_" + fake.Alnum(36);
        var awsKey = "AKIA" + fake.Base32(16);
        var password = fake.Password(18);
        using var repo = new TempGitRepo();
        repo.Write("config.py", $"GITHUB_TOKEN = \"{githubToken}\"\nDEBUG = True\n");
        repo.Write("deploy.sh", $"export AWS_ACCESS_KEY_ID={awsKey}\n");
        var introduced = repo.Commit("add config");
        repo.Write("config.py", "GITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n");
        repo.Commit("read token from the environment");
        repo.Git("checkout", "--quiet", "-b", "feature");
        repo.Write("settings.ini", $"password = \"{password}\"\n");
        var onFeature = repo.Commit("feature settings");
        repo.Git("checkout", "--quiet", "main");

        var job = await app.StartScanAsync(repo.Path);
        var done = await app.WaitForScanAsync(job.Id, j => j.Status is ScanStatus.Completed or ScanStatus.Failed);

        Assert.Equal(ScanStatus.Completed, done.Status);
        Assert.Equal(3, done.CommitsTotal);
        var findings = (await app.Service<FindingService>().ListAsync(new FindingQuery { JobId = job.Id, Suppressed = null, Take = 200 })).Items;
        var github = Assert.Single(findings, f => f.RuleId.StartsWith("github", StringComparison.Ordinal));
        Assert.Equal(introduced, github.CommitSha);
        Assert.Equal("config.py", github.FilePath);
        Assert.Contains(findings, f => f.RuleId.StartsWith("aws", StringComparison.Ordinal) && f.FilePath == "deploy.sh");
        Assert.Contains(findings, f => f.FilePath == "settings.ini" && f.CommitSha == onFeature);
        Assert.DoesNotContain(githubToken, github.RedactedPreview);

        var dump = await DumpDatabaseAsync();
        foreach (var value in new[] { githubToken, awsKey, password })
        {
            Assert.DoesNotContain(value, dump);
            Assert.DoesNotContain(app.Logs, line => line.Contains(value, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Cleaning_SelectedFinding_ProducesVerifiedBundleWithoutTheSecret()
    {
        var fake = new FakeSecrets(31);
        var awsKey = "AKIA" + fake.Base32(16);
        using var repo = new TempGitRepo();
        repo.Write("deploy.sh", $"export AWS_ACCESS_KEY_ID={awsKey}\necho deploying\n");
        repo.Commit("deploy script");
        repo.Write("README.md", "# service\n");
        repo.Commit("readme");
        var scan = await app.StartScanAsync(repo.Path);
        await app.WaitForScanAsync(scan.Id, j => j.Status == ScanStatus.Completed);
        var findings = app.Service<FindingService>();
        var aws = Assert.Single((await findings.ListAsync(new FindingQuery { JobId = scan.Id })).Items, f => f.RuleId.StartsWith("aws", StringComparison.Ordinal));
        Assert.True((await findings.SelectForCleaningAsync([aws.Id], true, Admin)).Succeeded);

        var request = await app.Service<CleanJobService>().RequestAsync(scan.Id, Admin);
        Assert.True(request.Succeeded, request.Message);
        var clean = await app.WaitForCleanAsync(request.Value!.Id);

        Assert.Equal(ScanStatus.Completed, clean.Status);
        Assert.Equal(0, clean.RemainingAfterRescan);
        Assert.True(clean.ReplacementCount >= 1);
        // The bundle lives in PostgreSQL (any instance can serve it) and downloads whole through the API.
        Assert.True(await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM clean_bundle_chunks WHERE clean_job_id = @id",
            ("id", clean.Id)) >= 1);
        // A scan without a service: admins (and whoever started it) download its cleaned history.
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var download = await client.GetAsync($"/api/scans/{scan.Id}/cleanings/{clean.Id}/bundle");
        Assert.Equal(System.Net.HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(clean.BundleSize, bytes.Length);
        Assert.Equal(System.Net.HttpStatusCode.NotFound,
            (await client.GetAsync($"/api/scans/{scan.Id}/cleanings/{Guid.NewGuid()}/bundle")).StatusCode);
        using var restored = new TempFolder();
        var bundle = Path.Combine(restored.Path, "cleaned.bundle");
        await File.WriteAllBytesAsync(bundle, bytes);
        TempGitRepo.RunGit(restored.Path, "clone", "--quiet", bundle, "cleaned");
        var cleaned = Path.Combine(restored.Path, "cleaned");
        var history = TempGitRepo.RunGit(cleaned, "log", "-p", "--all");
        Assert.DoesNotContain(awsKey, history);
        Assert.Contains("***REMOVED***", history);
        Assert.Contains("echo deploying", history);
        Assert.Equal("2", TempGitRepo.RunGit(cleaned, "rev-list", "--count", "HEAD").Trim());
    }

    /// <summary>A real pg_dump of the app's database: the whole stored state as text.</summary>
    private async Task<string> DumpDatabaseAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(app.ConnectionString);
        // The client from PATH (Debian's pg_wrapper picks the matching version); server folders may lack it.
        var psi = new ProcessStartInfo("pg_dump",
            ["-h", builder.Host!, "-p", builder.Port.ToString(), "-U", builder.Username!, "--data-only", builder.Database!])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["PGPASSWORD"] = builder.Password;
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        var dump = await output;
        Assert.Contains("secret_findings", dump);
        return dump;
    }
}

/// <summary>Learning has its own database: a learned pattern would suppress findings the other tests expect.</summary>
public sealed class FalsePositiveLearningFlowTests(CapturingWebAppFactory app) : IClassFixture<CapturingWebAppFactory>
{
    [Fact]
    public async Task Triage_ThreeFalsePositivesOfOneShape_SuppressesItInTheNextScanWithTheReason()
    {
        var fake = new FakeSecrets(23);
        using var repo = new TempGitRepo();
        repo.Write("fixtures/tokens.txt", $"token = \"ghp_{fake.Alnum(36)}\"\n");
        repo.Commit("test fixture");
        var first = await app.StartScanAsync(repo.Path);
        await app.WaitForScanAsync(first.Id, j => j.Status == ScanStatus.Completed);
        var findings = app.Service<FindingService>();
        var finding = Assert.Single((await findings.ListAsync(new FindingQuery { JobId = first.Id })).Items);

        var triaged = await findings.TriageAsync([finding.Id], FindingStatus.FalsePositive, "test fixture", Admin);
        Assert.True(triaged.Succeeded);
        // Two more agreeing verdicts (as the CLI sends them) push the shape over the 0.8 threshold.
        var feedback = new FeedbackInput(new string('a', 64), 2,
        [
            new FeedbackItemInput(new string('1', 64), finding.ValuePattern, IsTruePositive: false),
            new FeedbackItemInput(new string('2', 64), finding.ValuePattern, IsTruePositive: false),
        ]);
        Assert.True((await findings.RecordFeedbackAsync(feedback, Admin.Actor)).Succeeded);
        var pattern = Assert.Single(await app.Service<FalsePositiveLearning>().ListAsync(), p => p.Pattern == finding.ValuePattern);
        Assert.Equal(0.8, pattern.Confidence, 3);
        Assert.True(pattern.Suppressing);

        var second = await app.StartScanAsync(repo.Path);
        var done = await app.WaitForScanAsync(second.Id, j => j.Status == ScanStatus.Completed);

        Assert.Equal(0, done.TotalSecretsFound);
        Assert.Equal(1, done.SuppressedCount);
        var suppressed = Assert.Single((await findings.ListAsync(new FindingQuery { JobId = second.Id, Suppressed = true })).Items);
        Assert.Contains(finding.ValuePattern, suppressed.SuppressionReason);
    }

}
