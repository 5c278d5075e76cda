using System.Globalization;
using DeployGuard.Data.Services.Audit;
using Microsoft.AspNetCore.WebUtilities;

namespace DeployGuard.Web.Components.Pages.Audit;

/// <summary>The audit page's filter form, mirrored in the query string (shareable, and the CSV export uses it).</summary>
public sealed class AuditFilterModel
{
    public string? Actor { get; set; }
    public string? Action { get; set; }
    public string? ResourceType { get; set; }
    public string? ResourceId { get; set; }
    public DateTime? From { get; set; }
    public DateTime? To { get; set; }

    public AuditFilter ToFilter() => new()
    {
        Actor = Actor, Action = Action, ResourceType = ResourceType, ResourceId = ResourceId,
        From = From is { } from ? new DateTimeOffset(DateTime.SpecifyKind(from, DateTimeKind.Utc)) : null,
        To = To is { } to ? new DateTimeOffset(DateTime.SpecifyKind(to, DateTimeKind.Utc)) : null,
    };

    public Dictionary<string, object?> ToQuery() => new()
    {
        ["actor"] = Blank(Actor), ["action"] = Blank(Action), ["resourceType"] = Blank(ResourceType), ["resourceId"] = Blank(ResourceId),
        ["from"] = From?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["to"] = To?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };

    public static AuditFilterModel FromUri(Uri uri)
    {
        var query = QueryHelpers.ParseQuery(uri.Query);
        string? Get(string key) => query.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.ToString() : null;
        DateTime? Date(string key) => DateTimeOffset.TryParse(Get(key), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)
            ? d.UtcDateTime
            : null;
        return new AuditFilterModel
        {
            Actor = Get("actor"), Action = Get("action"), ResourceType = Get("resourceType"), ResourceId = Get("resourceId"),
            From = Date("from"), To = Date("to"),
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
