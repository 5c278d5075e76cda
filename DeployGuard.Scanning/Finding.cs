namespace DeployGuard.Scanning;

/// <summary>How bad a leaked secret of this kind is; drives SARIF levels and the deployment gate.</summary>
public enum Severity
{
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>The kind of credential (seed 01 <c>secrets_found.secret_type</c>).</summary>
public enum SecretType
{
    ApiKey,
    Token,
    Password,
    PrivateKey,
    ConnectionString,
    Webhook,
    ClientSecret,
    Credential,
    Generic,
}

/// <summary>Why a finding does not count against the exit code / security gate.</summary>
public enum SuppressionKind
{
    /// <summary>A <c>deployguard:allow</c> comment on the line of the secret.</summary>
    InlineComment,

    /// <summary>The finding is listed in a baseline file of accepted findings.</summary>
    Baseline,

    /// <summary>The value matches a false-positive pattern learned from triage feedback.</summary>
    FalsePositivePattern,
}

public sealed record Suppression(SuppressionKind Kind, string Reason);

/// <summary>The commit that introduced a secret, for history scans.</summary>
public sealed record CommitInfo(string Sha, string AuthorName, string AuthorEmail, DateTimeOffset Date, string Subject);

/// <summary>
/// One detected secret. Deliberately carries no raw value: only its SHA-256, a redacted preview and the
/// value's shape, so a finding can be logged, stored, uploaded and rendered without leaking the secret.
/// </summary>
public sealed record Finding
{
    public required string RuleId { get; init; }

    public required string Description { get; init; }

    public required SecretType SecretType { get; init; }

    public required Severity Severity { get; init; }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes of the secret value.</summary>
    public required string SecretHash { get; init; }

    /// <summary>A few leading characters, then asterisks (see <see cref="SecretHasher.Redact"/>).</summary>
    public required string RedactedPreview { get; init; }

    /// <summary>The value's shape, e.g. <c>ghp_[alnum:36]</c> (see <see cref="ValuePattern.Derive"/>).</summary>
    public required string ValuePattern { get; init; }

    /// <summary>Path relative to the scanned root (or repository), with forward slashes.</summary>
    public required string FilePath { get; init; }

    /// <summary>1-based line of the first character of the secret.</summary>
    public required int Line { get; init; }

    /// <summary>1-based column, counted in UTF-16 code units (SARIF's default column kind).</summary>
    public required int Column { get; init; }

    public required int EndLine { get; init; }

    /// <summary>1-based column just past the last character of the secret (SARIF's exclusive end).</summary>
    public required int EndColumn { get; init; }

    /// <summary>Shannon entropy of the value in bits per character.</summary>
    public double Entropy { get; init; }

    /// <summary>Set by history scans: the commit whose change introduced the secret into this file.</summary>
    public CommitInfo? Commit { get; init; }

    /// <summary>Null when the finding counts; otherwise the reason it was suppressed.</summary>
    public Suppression? Suppression { get; init; }

    public bool IsSuppressed => Suppression is not null;

    /// <summary>
    /// Stable identity of "this secret in this file for this rule", independent of line moves and of the
    /// commit, so that re-scans and uploads de-duplicate.
    /// </summary>
    public string Fingerprint => SecretHasher.Fingerprint(RuleId, FilePath, SecretHash);
}
