using System.Text.Json;

namespace DeployGuard.Scanning.Reports;

/// <summary>TruffleHog v3 <c>--json</c>: one JSON object per line, git or filesystem sources. <c>Raw</c> is base64 for most detectors.</summary>
internal static class TrufflehogParser
{
    public static IEnumerable<ReportResult> Parse(JsonStream json, ReportHeader header)
    {
        header.Tool = "trufflehog";
        foreach (var result in ImportedSecrets.ReadAll(json, header, index => $"result {index + 1}", "Each line holds one result object", ToFinding))
        {
            yield return result;
        }
    }

    private static Finding? ToFinding(JsonElement item)
    {
        var raw = item.Str("Raw");
        var secret = raw is null ? null : ImportedSecrets.DecodeBase64(raw) ?? raw;
        if (string.IsNullOrEmpty(secret))
        {
            return null;
        }

        var detector = item.Str("DetectorName") ?? "unknown";
        var data = item.Prop("SourceMetadata").Prop("Data");
        var source = data.ValueKind == JsonValueKind.Object ? data.EnumerateObject().Select(p => p.Value).FirstOrDefault() : default;
        var file = source.Str("file") ?? "";
        var line = source.Int("line") ?? 1;
        var sha = source.Str("commit");
        var (author, email) = ImportedSecrets.Person(source.Str("email"));
        var verified = item.Bool("Verified");
        return ImportedSecrets.Create(
            "trufflehog-" + ImportedSecrets.Slug(detector),
            $"{detector} credential (TruffleHog{(verified ? ", verified live" : "")})",
            secret,
            file,
            line,
            1,
            line + secret.Count(c => c == '\n'),
            1,
            sha is null ? null : new CommitInfo(sha, author, email, ImportedSecrets.GoDate(source.Str("timestamp")), ""),
            verified ? Severity.Critical : Severity.High);
    }
}
