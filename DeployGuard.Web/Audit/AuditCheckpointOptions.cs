namespace DeployGuard.Web.Audit;

/// <summary>Settings of the audit trail's signed checkpoints (section <c>Audit</c>; docs/security.md, "Audit anchoring").</summary>
public sealed class AuditCheckpointOptions
{
    public const string Section = "Audit";

    /// <summary>Whether this instance signs checkpoints (any number of instances may; one signs at a time).</summary>
    public bool CheckpointsEnabled { get; set; } = true;

    /// <summary>A checkpoint once this many rows were appended since the last one.</summary>
    public int CheckpointEveryRows { get; set; } = 1000;

    /// <summary>A checkpoint at least this often while rows are being appended.</summary>
    public double CheckpointEveryMinutes { get; set; } = 15;

    /// <summary>How often to look at the chain's head.</summary>
    public double CheckpointPollSeconds { get; set; } = 5;

    /// <summary>The ECDSA P-256 private key (PKCS#8 PEM, 0600). Default: <c>keys/audit-signing-key.pem</c> in the data folder.</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>Where the append-only JSON-lines copies go (one file per UTC day). Default: <c>audit-checkpoints/</c> in the data folder.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Optional: every checkpoint is also POSTed here as JSON (e.g. a log collector or an object store's upload endpoint).</summary>
    public string? CheckpointUrl { get; set; }
}
