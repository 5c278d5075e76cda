using System.Globalization;
using System.Security.Cryptography;
using DeployGuard.Data;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Postgres;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Scanning.Git;
using DeployGuard.Web.Scanning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Commands;

/// <summary>
/// seed-demo's secret scan: a small git repository of payment-api whose history holds made-up credentials (random on
/// every machine, so no real or reused secret), scanned by the real scanner and worker code. Without it a new user's
/// findings page is empty and the triage, learning and cleaning features have nothing to show.
/// </summary>
internal static class DemoScans
{
    private static readonly TimeSpan ScanTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Where the demo repository lives: <c>Demo:RepositoryDirectory</c>, else next to the embedded cluster's data.</summary>
    public static string DefaultRepositoryFolder(IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<DemoOptions>>().Value.RepositoryDirectory is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        var embedded = services.GetRequiredService<IOptions<EmbeddedDatabaseOptions>>().Value;
        var clusterData = embedded.ResolveDataDirectory();
        return Path.Combine(Path.GetDirectoryName(clusterData.TrimEnd(Path.DirectorySeparatorChar))!, "demo-repositories", "payment-api");
    }

    public static async Task SeedAsync(IServiceProvider services, IReadOnlyDictionary<string, string> userIds, string folder)
    {
        var factory = services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
        Guid serviceId;
        await using (var db = await factory.CreateDbContextAsync())
        {
            if (await db.ScanJobs.AnyAsync())
            {
                return;
            }

            serviceId = await db.Services.Where(s => s.Name == "payment-api").Select(s => s.Id).SingleAsync();
        }

        if (!services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Data.Services.Jobs.JobsOptions>>().Value.Enabled)
        {
            Console.WriteLine("  no demo scan: job workers are switched off on this instance (Jobs:Enabled=false)");
            return;
        }

        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any() && !Directory.Exists(Path.Combine(folder, ".git")))
        {
            Console.WriteLine($"  no demo scan: {folder} exists and is not a git repository (set Demo:RepositoryDirectory elsewhere)");
            return;
        }

        if (!Directory.Exists(Path.Combine(folder, ".git")))
        {
            try
            {
                await CreateRepositoryAsync(folder, services.GetRequiredService<TimeProvider>().GetUtcNow());
            }
            catch (GitException e)
            {
                // The rest of the demo does not need git; only the scan does.
                Console.WriteLine($"  no demo scan: {e.Message}");
                return;
            }
        }

        const string admin = "admin@deployguard.local";
        var caller = new Caller(userIds[admin], admin, [Roles.Admin], "127.0.0.1", "seed-demo");
        var created = await services.GetRequiredService<ScanJobService>().CreateAsync(
            new ScanJobInput { SourcePlatform = SourcePlatform.Local, SourceUrl = folder, ServiceId = serviceId }, caller);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException($"Seeding the demo scan failed: {created.Message}");
        }

        var job = await RunAsync(services, created.Value!.Id);
        Console.WriteLine(job.Status == ScanStatus.Completed
            ? $"  1 secret scan of {folder}: {job.TotalSecretsFound} finding(s) to triage"
            : $"  the demo scan of {folder} ended {job.Status}: {job.ErrorMessage}");
    }

    // The scan workers (this instance's, or another's on the same database) run it; wait for its end.
    private static async Task<ScanJobRow> RunAsync(IServiceProvider services, Guid jobId)
    {
        var jobs = services.GetRequiredService<ScanJobService>();
        using var timeout = new CancellationTokenSource(ScanTimeout);
        while (true)
        {
            var job = (await jobs.GetAsync(jobId, timeout.Token))!;
            if (job.Status is ScanStatus.Completed or ScanStatus.Failed)
            {
                return job;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
        }
    }

    private static async Task CreateRepositoryAsync(string folder, DateTimeOffset now)
    {
        Directory.CreateDirectory(folder);
        await GitProcess.RunAsync(folder, "init", "--quiet", "--initial-branch=main");
        var awsKeyId = "AKIA" + Random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
        var awsSecret = Random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 40);
        var databasePassword = Random(Alnum, 20);
        var slackWebhook = $"https://hooks.slack.com/services/T{Random(Upper, 10)}/B{Random(Upper, 10)}/{Random(Alnum, 24)}";
        var githubToken = "ghp_" + Random(Alnum, 36);
        var stripeTestKey = "sk_test_" + Random(Alnum, 32);

        var eve = ("Eve Backend-Dev", "dev.backend@deployguard.local");
        var bea = ("Bea Backend-Lead", "lead.backend@deployguard.local");
        var dan = ("Dan Platform-Dev", "dev.platform@deployguard.local");
        await CommitAsync(folder, eve, now.AddDays(-30), "Payment API skeleton",
            ("README.md", "# payment-api\n\nCharges cards and issues refunds for the shop.\n"),
            ("src/app.py", "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get(\"/health\")\ndef health():\n    return {\"status\": \"ok\"}\n"));
        await CommitAsync(folder, eve, now.AddDays(-26), "Settings for staging",
            ("config/settings.py",
                $"AWS_REGION = \"eu-west-1\"\nAWS_ACCESS_KEY_ID = \"{awsKeyId}\"\nAWS_SECRET_ACCESS_KEY = \"{awsSecret}\"\n" +
                $"DATABASE_URL = \"postgresql://payments:{databasePassword}@db.staging.internal:5432/payments\"\n"));
        await CommitAsync(folder, dan, now.AddDays(-21), "Notify #payments after each release",
            ("scripts/notify.sh", $"#!/bin/sh\ncurl -s -X POST -H 'Content-Type: application/json' \\\n  -d \"{{\\\"text\\\": \\\"payment-api $1 released\\\"}}\" \\\n  {slackWebhook}\n"));
        await CommitAsync(folder, eve, now.AddDays(-14), "Release workflow",
            (".github/workflows/release.yml", $"on: [push]\njobs:\n  release:\n    runs-on: ubuntu-latest\n    env:\n      GITHUB_TOKEN: {githubToken}\n    steps:\n      - run: ./scripts/release.sh\n"));
        // Removed again, but history keeps it: the scan reports the commit that introduced it.
        await CommitAsync(folder, bea, now.AddDays(-13), "Use the repository secret in the release workflow",
            (".github/workflows/release.yml", "on: [push]\njobs:\n  release:\n    runs-on: ubuntu-latest\n    env:\n      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n    steps:\n      - run: ./scripts/release.sh\n"));
        await CommitAsync(folder, eve, now.AddDays(-6), "Refund tests against Stripe test mode",
            ("tests/fixtures/stripe.json", $"{{\n  \"api_key\": \"{stripeTestKey}\",\n  \"currency\": \"eur\"\n}}\n"));
    }

    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static string Random(string alphabet, int length) => RandomNumberGenerator.GetString(alphabet, length);

    private static async Task CommitAsync(string folder, (string Name, string Email) author, DateTimeOffset when, string message,
        params (string Path, string Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }

        await GitProcess.RunAsync(folder, "add", "--all");
        var date = when.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);
        await GitProcess.RunAsync(folder,
            "-c", $"user.name={author.Name}", "-c", $"user.email={author.Email}", "-c", "commit.gpgsign=false",
            "commit", "--quiet", "--no-verify", $"--date={date}", "-m", message);
    }
}
