using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeployGuard.Scanning.Contracts;

/// <summary>
/// The JSON conventions of every scanning document (reports, uploads, feedback, baselines): camelCase
/// properties, snake_case enum values (<c>api_key</c>, <c>false_positive_pattern</c>), nulls omitted.
/// The web app must use these options so that the CLI and the server agree (docs/api/scanning.md).
/// </summary>
public static class ScanningJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            // Reports are files and API bodies, never HTML: keep paths and backticks readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
