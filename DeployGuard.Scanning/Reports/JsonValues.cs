using System.Globalization;
using System.Text.Json;

namespace DeployGuard.Scanning.Reports;

/// <summary>Lenient reads of optional fields: a missing or wrongly typed field is null, never an exception.</summary>
internal static class JsonValues
{
    public static JsonElement Prop(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static string? Str(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : null,
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    public static int? Int(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i
            : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out i) ? i
            : null;
    }

    public static double? Double(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) ? d
            : value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d) ? d
            : null;
    }

    public static bool Bool(this JsonElement element, string name) => element.Prop(name).ValueKind == JsonValueKind.True;

    public static IEnumerable<JsonElement> Items(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
    }

    public static IReadOnlyList<string> Strings(this JsonElement element, string name) =>
        element.Items(name).Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).Where(s => s.Length > 0).ToList();

    public static DateTimeOffset? Date(this JsonElement element, string name) =>
        DateTimeOffset.TryParse(element.Str(name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;

    /// <summary>Keeps stored text bounded: descriptions longer than this are cut with an ellipsis.</summary>
    public static string? Clip(string? text, int max = 4000) =>
        text is null ? null : text.Length <= max ? text : text[..(max - 1)] + "…";
}
