using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Services.Audit;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Audit;

/// <summary>
/// The key that signs audit checkpoints: ECDSA P-256 in a PEM file outside the database (default
/// <c>keys/audit-signing-key.pem</c> in the data folder, 0600, or <c>Audit:SigningKeyPath</c>), created on first use.
/// Whoever can rewrite the database cannot sign: that is the point. Replicas share one key (mount the same file).
/// </summary>
internal sealed class AuditSigningKey(IOptions<AuditCheckpointOptions> options, AppDirectories directories, ILogger<AuditSigningKey> logger)
    : ICheckpointSigner, IDisposable
{
    private readonly Lock _gate = new();
    private ECDsa? _key;

    public string Path => options.Value.SigningKeyPath is { Length: > 0 } configured
        ? System.IO.Path.GetFullPath(configured)
        : System.IO.Path.Combine(directories.KeysDirectory, "audit-signing-key.pem");

    /// <summary>Whether the key file exists (without creating it).</summary>
    public bool Exists => File.Exists(Path);

    public string KeyId => CheckpointFormat.KeyId(Key);

    /// <summary>The public half (SubjectPublicKeyInfo PEM): what a third party verifies checkpoints with.</summary>
    public string PublicKeyPem => Key.ExportSubjectPublicKeyInfoPem() + "\n";

    /// <summary>The public half on its own, to verify with.</summary>
    public ECDsa PublicKey()
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(Key.ExportSubjectPublicKeyInfo(), out _);
        return key;
    }

    public byte[] Sign(byte[] payload) => Key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    private ECDsa Key
    {
        get
        {
            lock (_gate)
            {
                return _key ??= LoadOrCreate();
            }
        }
    }

    private ECDsa LoadOrCreate()
    {
        var path = Path;
        var key = ECDsa.Create();
        if (!File.Exists(path))
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            try
            {
                AppDirectories.WritePrivateFile(path, Encoding.ASCII.GetBytes(fresh.ExportPkcs8PrivateKeyPem() + "\n"));
                logger.LogInformation("Created the audit checkpoint signing key {Path} (key id {KeyId})", path, CheckpointFormat.KeyId(fresh));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another instance on the same folder created it first: use theirs.
            }
        }

        key.ImportFromPem(File.ReadAllText(path));
        if (key.KeySize != 256)
        {
            throw new InvalidOperationException($"The audit signing key {path} is not an ECDSA P-256 key.");
        }

        return key;
    }

    public void Dispose() => _key?.Dispose();
}
