using System.Security.Cryptography;
using DeployGuard.Data;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Scanning;
using DeployGuard.Web.Isolation;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Web.Scanning;

/// <summary>
/// The installation's secret-hash key (docs/security.md, "Secret hashing"): 32 random bytes in a file outside the database
/// (default <c>keys/secret-hash.key</c> in the data folder, 0600, or <c>Secrets:HashKeyPath</c>; replicas share it), created
/// on first start. Without it, a copy of the database cannot be tested against candidate tokens.
/// </summary>
internal static class SecretHashSetup
{
    public static void AddSecretHashing(this WebApplicationBuilder builder)
    {
        var path = builder.Configuration["Secrets:HashKeyPath"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(new AppDirectories(builder.Configuration).KeysDirectory, "secret-hash.key");
        builder.Services.AddSingleton(_ => new SecretHashKey(LoadOrCreate(path)));
        builder.Services.AddSingleton<SecretHashRekeying>();
        builder.Services.AddProtectedPath(_ => path, "the secret-hash key");
    }

    internal static byte[] LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            try
            {
                AppDirectories.WritePrivateFile(path, System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n"));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another instance on the same folder created it first: use theirs.
            }
        }

        return Convert.FromBase64String(File.ReadAllText(path).Trim());
    }
}

/// <summary>
/// Start-up step: findings and feedback stored before hashes were keyed hold a bare SHA-256 (no key id): they are re-keyed
/// with the installation's key (a finding's identity within its repository is made again from the keyed hash, see
/// <see cref="SecretHashKey.IdentityOf"/>), and their previews cut down to today's (provider prefix and 2 characters), in batches under
/// an advisory lock so instances starting together do it once. Rows keyed with another key (a lost or replaced key file)
/// cannot be re-keyed and are reported.
/// </summary>
internal sealed class SecretHashRekeying(IDbContextFactory<ApplicationDbContext> contexts, SecretHashKey key, AuditWriter audit,
    ILogger<SecretHashRekeying> logger)
{
    private const int Batch = 1000;

    public async Task RunAsync(CancellationToken ct = default)
    {
        var findings = 0;
        var feedback = 0;
        while (await RekeyBatchAsync(ct) is var (f, i) && f + i > 0)
        {
            findings += f;
            feedback += i;
        }

        if (findings + feedback > 0)
        {
            logger.LogInformation("Re-keyed {Findings} finding hash(es) and {Feedback} feedback hash(es) with the installation key {KeyId}",
                findings, feedback, key.KeyId);
            await audit.WriteAsync(AuditActor.System, AuditActions.SecretHashesRekeyed, ResourceTypes.Finding, null,
                new { findings, feedback, keyId = key.KeyId }, ct);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var foreign = await db.SecretFindings.CountAsync(f => f.HashKeyId != null && f.HashKeyId != key.KeyId, ct);
        if (foreign > 0)
        {
            logger.LogWarning("{Count} finding(s) were hashed with another secret-hash key than {KeyId} (Secrets:HashKeyPath changed or the key file " +
                              "was lost): new scans will not match them", foreign, key.KeyId);
        }
    }

    private async Task<(int Findings, int Feedback)> RekeyBatchAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.LockAsync(TransactionLocks.SecretHashRekeying, ct);
        var findings = await db.SecretFindings.Where(f => f.HashKeyId == null).OrderBy(f => f.Id).Take(Batch).ToListAsync(ct);
        foreach (var finding in findings)
        {
            finding.RedactedPreview = SecretHasher.ShortenPreview(finding.RedactedPreview);
        }

        key.Apply(findings);
        var items = await db.FeedbackItems.Where(i => i.HashKeyId == null).OrderBy(i => i.Id).Take(Batch).ToListAsync(ct);
        foreach (var item in items)
        {
            item.ValueHash = key.Keyed(item.ValueHash);
            item.HashKeyId = key.KeyId;
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (findings.Count, items.Count);
    }
}
