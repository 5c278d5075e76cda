using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Scanning.Reports;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>
/// Keyed hashes of secret values (docs/security.md, "Secret hashing"). Scanners and the CLI compute SHA-256 of a value (they
/// have no installation key, and baselines must match across machines); the server stores <c>HMAC-SHA256(key, sha256-hex)</c>
/// with a per-installation key kept outside the database. A leaked dump then cannot be tested against a list of candidate
/// tokens without the key, yet the same value still yields the same stored hash, so matching across scans works.
/// </summary>
public sealed class SecretHashKey
{
    private readonly byte[] _key;

    public SecretHashKey(byte[] key)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("The secret-hash key must have at least 32 bytes.", nameof(key));
        }

        _key = key.ToArray();
        KeyId = Convert.ToHexStringLower(SHA256.HashData([.. "deployguard-secret-hash-key:"u8, .. _key]))[..16];
    }

    /// <summary>Names the key without revealing it, stored next to every keyed hash (hash_key_id).</summary>
    public string KeyId { get; }

    /// <summary>The stored form of a value whose SHA-256 (hex) is <paramref name="sha256"/>.</summary>
    public string Keyed(string sha256) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(sha256.Trim().ToLowerInvariant())));

    /// <summary>
    /// Keys findings that still carry the scanner's SHA-256 (no key id yet); already keyed ones stay as they are. A finding
    /// that already has an identity (stored before keying) gets the one made from its keyed hash.
    /// </summary>
    public void Apply(IEnumerable<SecretFinding> findings)
    {
        foreach (var finding in findings.Where(f => f.HashKeyId is null))
        {
            finding.SecretValueHash = Keyed(finding.SecretValueHash);
            finding.HashKeyId = KeyId;
            if (finding.Identity.Length > 0)
            {
                finding.Identity = IdentityOf(finding);
            }
        }
    }

    /// <summary>
    /// A finding's identity within its repository (the same value in the same file), from its stored (keyed) hash: an
    /// identity made from the bare SHA-256 would let a copy of the database test candidate tokens after all.
    /// </summary>
    public static string IdentityOf(SecretFinding finding) => FindingIdentity.Secret(finding.SecretValueHash, finding.FilePath);
}
