using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeployGuard.Scanning.Suppressions;

/// <summary>One accepted finding. <see cref="FilePath"/> null means "this secret anywhere".</summary>
public sealed record BaselineEntry
{
    public required string RuleId { get; init; }

    public required string SecretHash { get; init; }

    public string? FilePath { get; init; }

    public string? RedactedPreview { get; init; }

    public string? Reason { get; init; }
}

/// <summary>
/// Accepted findings, matched by rule, secret hash and path (never by line, which moves). The file is
/// JSON, contains no secret value, and is meant to be committed.
/// </summary>
public sealed class Baseline
{
    public const int CurrentVersion = 1;

    // Source-generated (AOT-safe) metadata; the default encoder, unlike reports (ScanningJson).
    private static readonly BaselineJsonContext Json = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    private readonly HashSet<(string Rule, string Hash, string? Path)> _keys;

    public Baseline(IEnumerable<BaselineEntry> entries, string? source = null)
    {
        Entries = entries.ToArray();
        Source = source;
        foreach (var entry in Entries)
        {
            if (!SecretHasher.IsValidHash(entry.SecretHash))
            {
                throw new FormatException($"Baseline{(source is null ? "" : $" '{source}'")}: '{entry.SecretHash}' is not a lower-case SHA-256 hex hash.");
            }
        }

        _keys = Entries.Select(e => (e.RuleId, e.SecretHash, e.FilePath)).ToHashSet();
    }

    public IReadOnlyList<BaselineEntry> Entries { get; }

    /// <summary>Where the baseline was read from, quoted in suppression reasons.</summary>
    public string? Source { get; }

    public static Baseline FromFindings(IEnumerable<Finding> findings, string? reason = null) =>
        new(findings
            .Select(f => new BaselineEntry
            {
                RuleId = f.RuleId,
                SecretHash = f.SecretHash,
                FilePath = f.FilePath,
                RedactedPreview = f.RedactedPreview,
                Reason = reason,
            })
            .DistinctBy(e => (e.RuleId, e.SecretHash, e.FilePath))
            .OrderBy(e => e.FilePath, StringComparer.Ordinal)
            .ThenBy(e => e.RuleId, StringComparer.Ordinal));

    public static Baseline Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Baseline '{path}' is not valid JSON: {e.Message}", e);
        }
    }

    public static Baseline Parse(string json, string? source = null)
    {
        var file = JsonSerializer.Deserialize(json, Json.BaselineFile)
            ?? throw new FormatException($"Baseline '{source}' is empty.");
        if (file.Version != CurrentVersion)
        {
            throw new FormatException($"Baseline '{source}' has version {file.Version}; this tool reads version {CurrentVersion}.");
        }

        return new Baseline(file.Findings ?? [], source);
    }

    public string ToJson() => JsonSerializer.Serialize(new BaselineFile { Version = CurrentVersion, Findings = [.. Entries] }, Json.BaselineFile);

    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    /// <summary>The finding's rule and hash are accepted, for its path or for any path.</summary>
    public bool Contains(string ruleId, string secretHash, string filePath) =>
        _keys.Contains((ruleId, secretHash, filePath)) || _keys.Contains((ruleId, secretHash, null));

    internal sealed class BaselineFile
    {
        public int Version { get; init; }

        public List<BaselineEntry>? Findings { get; init; }
    }
}

[JsonSerializable(typeof(Baseline.BaselineFile))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;
