namespace DeployGuard.Data.Entities;

/// <summary>
/// A signed statement "the audit chain's row <see cref="RowId"/> has hash <see cref="RowHash"/>", linked to the previous
/// checkpoint (CloudTrail digest files are the model). The signing key is never in the database, so whoever rewrites the
/// chain there cannot sign a matching checkpoint; copies go to files outside the database. See docs/security.md.
/// </summary>
public class AuditCheckpoint
{
    /// <summary>1, 2, 3 ... in the order they were signed.</summary>
    public long Sequence { get; set; }

    public long RowId { get; set; }

    public string RowHash { get; set; } = "";

    /// <summary>When it was signed (microsecond precision, UTC).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>SHA-256 (hex) of the previous checkpoint's signed payload; empty for the first.</summary>
    public string Previous { get; set; } = "";

    /// <summary>SHA-256 (hex) of the signing key's public key (DER SubjectPublicKeyInfo).</summary>
    public string KeyId { get; set; } = "";

    public string Algorithm { get; set; } = "";

    /// <summary>Base64 of the signature over the payload (ECDSA P-256: DER, RFC 3279).</summary>
    public string Signature { get; set; } = "";
}
