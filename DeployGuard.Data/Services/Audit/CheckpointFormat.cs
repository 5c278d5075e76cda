using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Audit;

/// <summary>
/// The documented, tool-independent form of a checkpoint (docs/security.md, "Audit anchoring"): the signed payload is
/// seven lines of UTF-8 text, each ending in \n:
/// <code>
/// deployguard-audit-checkpoint/v1
/// sequence=12
/// row_id=4501
/// row_hash=9f2c…(64 hex)
/// created_at=2026-12-01T10:00:00.123456Z
/// previous=(64 hex of SHA-256 over the previous checkpoint's payload, empty for the first)
/// key_id=(64 hex of SHA-256 over the public key's DER SubjectPublicKeyInfo)
/// </code>
/// signed with ECDSA P-256 / SHA-256, signature DER-encoded (what <c>openssl dgst -sha256 -verify</c> checks) and base64 in
/// the JSON line <c>{"version":1,"sequence":…,"rowId":…,"rowHash":…,"createdAt":…,"previous":…,"keyId":…,"algorithm":"ECDSA-P256-SHA256","signature":…}</c>.
/// </summary>
public static class CheckpointFormat
{
    public const string Algorithm = "ECDSA-P256-SHA256";
    public const string Header = "deployguard-audit-checkpoint/v1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The bytes that are signed.</summary>
    public static byte[] Payload(AuditCheckpoint c) => Encoding.UTF8.GetBytes(
        $"{Header}\nsequence={c.Sequence.ToString(CultureInfo.InvariantCulture)}\nrow_id={c.RowId.ToString(CultureInfo.InvariantCulture)}\n" +
        $"row_hash={c.RowHash}\ncreated_at={Time(c.CreatedAt)}\nprevious={c.Previous}\nkey_id={c.KeyId}\n");

    /// <summary>What the next checkpoint's <see cref="AuditCheckpoint.Previous"/> holds.</summary>
    public static string Digest(AuditCheckpoint c) => Convert.ToHexStringLower(SHA256.HashData(Payload(c)));

    public static string KeyId(ECDsa publicKey) => Convert.ToHexStringLower(SHA256.HashData(publicKey.ExportSubjectPublicKeyInfo()));

    public static bool Verify(AuditCheckpoint c, ECDsa publicKey)
    {
        try
        {
            return c.Algorithm == Algorithm &&
                   publicKey.VerifyData(Payload(c), Convert.FromBase64String(c.Signature), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string ToJsonLine(AuditCheckpoint c) => JsonSerializer.Serialize(new Line(1, c.Sequence, c.RowId, c.RowHash, Time(c.CreatedAt), c.Previous,
        c.KeyId, c.Algorithm, c.Signature), Json);

    /// <summary>Parses one JSON line; null (with the reason) for a line that is not a checkpoint of this format.</summary>
    public static AuditCheckpoint? FromJsonLine(string line, out string? problem)
    {
        problem = null;
        try
        {
            var parsed = JsonSerializer.Deserialize<Line>(line, Json);
            if (parsed is not { Version: 1, RowHash: not null, CreatedAt: not null, Previous: not null, KeyId: not null, Algorithm: not null, Signature: not null } ||
                !DateTimeOffset.TryParseExact(parsed.CreatedAt, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var at))
            {
                problem = "not a version 1 checkpoint";
                return null;
            }

            return new AuditCheckpoint
            {
                Sequence = parsed.Sequence, RowId = parsed.RowId, RowHash = parsed.RowHash, CreatedAt = at, Previous = parsed.Previous,
                KeyId = parsed.KeyId, Algorithm = parsed.Algorithm, Signature = parsed.Signature,
            };
        }
        catch (JsonException ex)
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>Every checkpoint in the *.jsonl files of a folder (as the app writes them), with the lines it could not read.</summary>
    public static (List<AuditCheckpoint> Checkpoints, List<string> Problems) ReadDirectory(string directory)
    {
        var checkpoints = new List<AuditCheckpoint>();
        var problems = new List<string>();
        if (!Directory.Exists(directory))
        {
            problems.Add($"The checkpoint folder {directory} does not exist.");
            return (checkpoints, problems);
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*.jsonl").Order(StringComparer.Ordinal))
        {
            var number = 0;
            foreach (var line in File.ReadLines(file))
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }

                if (FromJsonLine(line, out var problem) is { } checkpoint)
                {
                    checkpoints.Add(checkpoint);
                }
                else
                {
                    problems.Add($"{Path.GetFileName(file)} line {number}: {problem}");
                }
            }
        }

        return (checkpoints, problems);
    }

    private sealed record Line(int Version, long Sequence, long RowId, string? RowHash, string? CreatedAt, string? Previous, string? KeyId,
        string? Algorithm, string? Signature);
}

/// <summary>Signs checkpoint payloads with a key that lives outside the database.</summary>
public interface ICheckpointSigner
{
    string KeyId { get; }

    byte[] Sign(byte[] payload);
}
