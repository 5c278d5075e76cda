using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeployGuard.Scanning.Suppressions;

namespace DeployGuard.Scanning.Contracts;

/// <summary>
/// The JSON conventions of every scanning document (reports, uploads, feedback, baselines): camelCase
/// properties, snake_case enum values (<c>api_key</c>, <c>false_positive_pattern</c>), nulls omitted.
/// The web app must use these options so that the CLI and the server agree (docs/api/scanning.md).
/// </summary>
/// <remarks>
/// The contracts are serialized by source-generated code (<see cref="ScanningJsonContext"/>), not by reflection: the
/// CLI is compiled ahead of time (Native AOT), where reflection-based serialization does not exist, and a JIT-compiled
/// process would otherwise build the serializer's metadata at every start (233 methods JIT-compiled for one
/// pre-commit scan). A type outside the context is refused (<see cref="NotSupportedException"/>): add it there.
/// </remarks>
public static class ScanningJson
{
    public static JsonSerializerOptions Options { get; } = new ScanningJsonContext(Create(indented: false)).Options;

    public static JsonSerializerOptions Indented { get; } = new ScanningJsonContext(Create(indented: true)).Options;

    /// <summary>The source-generated metadata for <see cref="Options"/> (typed, for AOT-safe calls).</summary>
    public static ScanningJsonContext Context { get; } = (ScanningJsonContext)Options.TypeInfoResolver!;

    /// <summary>The source-generated metadata for <see cref="Indented"/>.</summary>
    public static ScanningJsonContext IndentedContext { get; } = (ScanningJsonContext)Indented.TypeInfoResolver!;

    private static JsonSerializerOptions Create(bool indented) => new(JsonSerializerDefaults.Web)
    {
        WriteIndented = indented,
        // Reports are files and API bodies, never HTML: keep paths and backticks readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters =
        {
            new JsonStringEnumConverter<Severity>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false),
            new JsonStringEnumConverter<SecretType>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false),
            new JsonStringEnumConverter<SuppressionKind>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false),
        },
    };
}

/// <summary>Every type that is read or written with <see cref="ScanningJson"/>'s options.</summary>
[JsonSerializable(typeof(ScanReport))]
[JsonSerializable(typeof(Finding))]
[JsonSerializable(typeof(ScanUploadResponse))]
[JsonSerializable(typeof(FeedbackSubmission))]
[JsonSerializable(typeof(FeedbackResponse))]
[JsonSerializable(typeof(List<FalsePositivePattern>))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class ScanningJsonContext : JsonSerializerContext;
