using System.Security.Cryptography;
using DeployGuard.Data.Services.Audit;

namespace DeployGuard.Web.Audit;

/// <summary>
/// <c>audit verify</c>, the admin badge and <c>GET /api/audit/verify</c>: the hash chain held against every signed
/// checkpoint this instance can find (the database's and the JSON-lines files'), checked with the app's public key; or,
/// for a third party, against the files in a folder of their own and a public key they were given.
/// </summary>
internal sealed class AuditTrailVerifier(AuditChainVerifier chain, AuditCheckpointStore store, AuditSigningKey key, AuditCheckpointer checkpointer)
{
    /// <param name="checkpointDirectory">Checkpoint files to use instead of the app's own folder.</param>
    /// <param name="publicKey">The key to check signatures with instead of the app's own (which is then never read).</param>
    public async Task<AuditVerification> VerifyAsync(string? checkpointDirectory = null, ECDsa? publicKey = null, IProgress<long>? progress = null,
        CancellationToken ct = default)
    {
        var checkpoints = (await store.ListAsync(ct)).Select(c => (c, CheckpointEvidence.DatabaseSource)).ToList();
        var problems = new List<string>();
        var folder = checkpointDirectory ?? checkpointer.CheckpointDirectory;
        if (checkpointDirectory is not null || Directory.Exists(folder))
        {
            var (fromFiles, unreadable) = CheckpointFormat.ReadDirectory(folder);
            checkpoints.AddRange(fromFiles.Select(c => (c, $"file in {folder}")));
            problems.AddRange(unreadable);
        }

        using var own = publicKey is null && key.Exists ? key.PublicKey() : null;
        return await chain.VerifyAsync(new CheckpointEvidence(checkpoints, publicKey ?? own, problems), progress, ct);
    }

    /// <summary>Reads a public key from a PEM file (SubjectPublicKeyInfo, as <c>audit public-key</c> prints it).</summary>
    public static ECDsa ReadPublicKey(string path)
    {
        var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(File.ReadAllText(path));
        return publicKey;
    }
}
