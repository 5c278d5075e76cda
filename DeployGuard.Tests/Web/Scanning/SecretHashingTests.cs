using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Reports;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Scanning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeployGuard.Tests.Web.Scanning;

/// <summary>
/// Secret hashes are keyed: what the database holds is HMAC(installation key, SHA-256 of the value), never the bare SHA-256
/// a dump could be tested against; rows stored before keying are re-keyed once at start-up, previews cut to the provider
/// prefix and 2 characters.
/// </summary>
public sealed class SecretHashingTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly SecretHashKey Key = new(TestPostgres.TestSecretHashKey);

    // Findings are stored only for the worker that holds the scan.
    private const string Owner = "test-host/1/hashing";

    [Fact]
    public async Task AddFindings_ScannerSha256_IsStoredKeyedWithTheKeyId()
    {
        var value = "ghp_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(18));
        var jobId = await NewJobAsync();

        await db.Get<ScanJobQueue>().AddFindingsAsync(jobId, Owner, [Finding(SecretHasher.Hash(value), SecretHasher.Redact(value))]);

        await using var context = db.CreateContext();
        var stored = await context.SecretFindings.SingleAsync(f => f.JobId == jobId);
        Assert.NotEqual(SecretHasher.Hash(value), stored.SecretValueHash);
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(TestPostgres.TestSecretHashKey, Encoding.ASCII.GetBytes(SecretHasher.Hash(value)))),
            stored.SecretValueHash);
        Assert.Equal(Key.KeyId, stored.HashKeyId);
        Assert.Equal(FindingIdentity.Secret(stored.SecretValueHash, "a.txt"), stored.Identity);
        Assert.Equal(value[..6], stored.RedactedPreview.TrimEnd('*'));
    }

    [Fact]
    public async Task CliFeedback_Sha256Items_AreStoredKeyed()
    {
        var sha = SecretHasher.Hash("not-a-secret-" + Guid.NewGuid());

        var result = await db.Get<FindingService>().RecordFeedbackAsync(
            new FeedbackInput(SecretHasher.Hash("client"), 1, [new FeedbackItemInput(sha, "tok_[alnum:20]", false)]), AuditActor.System);

        Assert.True(result.Succeeded, result.Message);
        await using var context = db.CreateContext();
        var item = await context.FeedbackItems.SingleAsync(i => i.SubmissionId == result.Value);
        Assert.Equal((Key.Keyed(sha), Key.KeyId), (item.ValueHash, item.HashKeyId));
    }

    [Fact]
    public async Task Rekeying_RowsFromBeforeKeying_AreKeyedOnceWithShorterPreviewsAndAudited()
    {
        var jobId = await NewJobAsync();
        var sha = SecretHasher.Hash("AKIA" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant());
        var findingId = Guid.CreateVersion7();
        // As the previous version stored them: bare SHA-256, no key id, four characters shown, the identity made from the bare SHA-256.
        var scope = $"repo:/tmp/rekey-{Guid.NewGuid():N}";
        await Sql.ExecuteAsync(db.ConnectionString, """
            INSERT INTO secret_findings (id, job_id, rule_id, secret_type, severity, secret_value_hash, redacted_preview, value_pattern, file_path,
                                         line, "column", status, selected_for_cleaning, suppressed, first_seen_at, created_at,
                                         scope_key, identity, last_seen_at, last_job_id)
            VALUES (@id, @job, 'aws-access-key', 'aws_access_key', 'critical', @sha, 'AKIAIO**********', 'AKIA[upper:16]', 'a.env', 1, 1, 'Open',
                    false, false, now(), now(), @scope, @identity, now(), @job)
            """, ("id", findingId), ("job", jobId), ("sha", sha), ("scope", scope), ("identity", FindingIdentity.Secret(sha, "a.env")));
        var rekeying = new SecretHashRekeying(db.Get<IDbContextFactory<DeployGuard.Data.ApplicationDbContext>>(), Key, db.Get<AuditWriter>(),
            NullLogger<SecretHashRekeying>.Instance);

        await rekeying.RunAsync();
        await rekeying.RunAsync();

        await using var context = db.CreateContext();
        var finding = await context.SecretFindings.SingleAsync(f => f.Id == findingId);
        Assert.Equal((Key.Keyed(sha), Key.KeyId), (finding.SecretValueHash, finding.HashKeyId));
        // The identity is made again from the keyed hash: the bare one would still test candidate tokens, and the
        // next scan (which keys before matching) would not find the row.
        Assert.Equal(FindingIdentity.Secret(Key.Keyed(sha), "a.env"), finding.Identity);
        Assert.Equal("AKIAIO", finding.RedactedPreview.TrimEnd('*'));
        Assert.Equal(0, await context.SecretFindings.CountAsync(f => f.HashKeyId == null));
        Assert.Contains(await context.AuditLogs.Where(a => a.Action == AuditActions.SecretHashesRekeyed).ToListAsync(), a => a.Details.Contains("\"findings\""));
    }

    [Theory]
    [InlineData("abcd************", "ab************")]
    [InlineData("ghp_************", "ghp_************")]
    [InlineData("sk_l************", "sk************")]
    [InlineData("hunter2", "hu*****")]
    [InlineData("******", "******")]
    public void ShortenPreview_OlderPreviews_ShowAtMostThePrefixAndTwoCharacters(string old, string expected)
    {
        Assert.Equal(expected, SecretHasher.ShortenPreview(old));
    }

    private async Task<Guid> NewJobAsync()
    {
        await using var context = db.CreateContext();
        var job = new ScanJob
        {
            Id = Guid.CreateVersion7(), SourcePlatform = SourcePlatform.Local, SourceUrl = $"/tmp/repo-{Guid.NewGuid():N}", Status = ScanStatus.Scanning,
            ClaimedBy = Owner, CreatedAt = DateTimeOffset.UtcNow,
        };
        context.ScanJobs.Add(job);
        await context.SaveChangesAsync();
        return job.Id;
    }

    private static SecretFinding Finding(string sha256, string preview) => new()
    {
        Id = Guid.CreateVersion7(), RuleId = "github-pat", SecretType = "github_token", Severity = "high", SecretValueHash = sha256,
        RedactedPreview = preview, ValuePattern = "ghp_[hex:36]", FilePath = "a.txt", Line = 1, Column = 1,
    };
}
