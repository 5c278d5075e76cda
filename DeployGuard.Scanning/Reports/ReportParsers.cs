using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DeployGuard.Scanning.Reports;

public enum ReportFormat
{
    Unknown,
    GitleaksJson,
    TrufflehogJsonLines,
    Sarif,
}

/// <summary>A SARIF result from any tool (CodeQL, Semgrep, Trivy, gitleaks...), tool-neutral.</summary>
public sealed record SarifResult(
    string Tool,
    string? ToolVersion,
    string RuleId,
    string? RuleDescription,
    string Level,
    string Message,
    string? FilePath,
    int? Line,
    int? Column,
    double? SecuritySeverity,
    bool Suppressed);

/// <summary>
/// Imports other scanners' reports. Secret values found in them are hashed and redacted on the spot, so the
/// imported findings are as safe to store as our own; the values themselves are not kept.
/// </summary>
public static partial class ReportParsers
{
    /// <summary>Guesses the format from the content (not the file name).</summary>
    public static ReportFormat Detect(string content)
    {
        var text = content.TrimStart();
        if (text.StartsWith('['))
        {
            return ReportFormat.GitleaksJson;
        }

        if (text.StartsWith('{'))
        {
            var firstLine = text.Split('\n', 2)[0];
            if (firstLine.Contains("\"SourceMetadata\"", StringComparison.Ordinal) || firstLine.Contains("\"DetectorName\"", StringComparison.Ordinal))
            {
                return ReportFormat.TrufflehogJsonLines;
            }

            if (text.Contains("\"runs\"", StringComparison.Ordinal) && text.Contains("\"version\"", StringComparison.Ordinal))
            {
                return ReportFormat.Sarif;
            }
        }

        return ReportFormat.Unknown;
    }

    /// <summary>gitleaks JSON report, v8 (<c>RuleID</c>, <c>Secret</c>, ...) or the v7 schema (<c>rule</c>, <c>offender</c>, ...).</summary>
    public static IReadOnlyList<Finding> ParseGitleaks(string json)
    {
        using var document = Parse(json, "gitleaks report");
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("A gitleaks report is a JSON array.");
        }

        var findings = new List<Finding>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var v8 = item.TryGetProperty("RuleID", out _);
            var secret = Str(item, v8 ? "Secret" : "offender");
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            var description = Str(item, v8 ? "Description" : "rule") ?? "gitleaks finding";
            var ruleId = v8 ? Str(item, "RuleID")! : Slug(description);
            var line = Int(item, v8 ? "StartLine" : "lineNumber") ?? 1;
            var column = v8 ? Int(item, "StartColumn") ?? 1 : ColumnIn(Str(item, "line"), secret);
            var sha = Str(item, v8 ? "Commit" : "commit");
            findings.Add(Create(
                ruleId,
                description,
                secret,
                Str(item, v8 ? "File" : "file") ?? "",
                line,
                column,
                v8 ? Int(item, "EndLine") ?? line : line,
                v8 ? (Int(item, "EndColumn") ?? column + secret.Length - 1) + 1 : column + secret.Length,
                string.IsNullOrEmpty(sha) ? null : new CommitInfo(
                    sha,
                    Str(item, v8 ? "Author" : "author") ?? "",
                    Str(item, v8 ? "Email" : "email") ?? "",
                    Date(Str(item, v8 ? "Date" : "date")),
                    FirstLine(Str(item, v8 ? "Message" : "commitMessage")))));
        }

        return findings;
    }

    /// <summary>TruffleHog v3 JSON lines (<c>--json</c>), git or filesystem sources. <c>Raw</c> is base64.</summary>
    public static IReadOnlyList<Finding> ParseTrufflehog(string jsonLines)
    {
        var findings = new List<Finding>();
        var number = 0;
        foreach (var line in jsonLines.Split('\n'))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var document = Parse(line, $"trufflehog line {number}");
            var item = document.RootElement;
            var raw = Str(item, "Raw");
            var secret = raw is null ? null : DecodeBase64(raw) ?? raw;
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            var detector = Str(item, "DetectorName") ?? "unknown";
            var source = item.TryGetProperty("SourceMetadata", out var metadata) && metadata.TryGetProperty("Data", out var data)
                ? data.EnumerateObject().Select(p => p.Value).FirstOrDefault()
                : default;
            var file = source.ValueKind == JsonValueKind.Object ? Str(source, "file") ?? "" : "";
            var lineNumber = source.ValueKind == JsonValueKind.Object ? Int(source, "line") ?? 1 : 1;
            var sha = source.ValueKind == JsonValueKind.Object ? Str(source, "commit") : null;
            var (author, email) = Person(source.ValueKind == JsonValueKind.Object ? Str(source, "email") : null);
            var verified = item.TryGetProperty("Verified", out var v) && v.ValueKind == JsonValueKind.True;
            findings.Add(Create(
                "trufflehog-" + Slug(detector),
                $"{detector} credential (TruffleHog{(verified ? ", verified live" : "")})",
                secret,
                file,
                lineNumber,
                1,
                lineNumber + secret.Count(c => c == '\n'),
                1,
                sha is null ? null : new CommitInfo(sha, author, email, TrufflehogDate(Str(source, "timestamp")), ""),
                verified ? Severity.Critical : Severity.High));
        }

        return findings;
    }

    /// <summary>Every result of every run of a SARIF 2.1.0 log.</summary>
    public static IReadOnlyList<SarifResult> ParseSarif(string json)
    {
        using var document = Parse(json, "SARIF log");
        var root = document.RootElement;
        if (Str(root, "version") != "2.1.0" || !root.TryGetProperty("runs", out var runs))
        {
            throw new FormatException("Not a SARIF 2.1.0 log (version and runs are required).");
        }

        var results = new List<SarifResult>();
        foreach (var run in runs.EnumerateArray())
        {
            var driver = run.GetProperty("tool").GetProperty("driver");
            var tool = Str(driver, "name") ?? "unknown";
            var rules = driver.TryGetProperty("rules", out var r) ? r.EnumerateArray().ToList() : [];
            if (!run.TryGetProperty("results", out var runResults))
            {
                continue;
            }

            foreach (var result in runResults.EnumerateArray())
            {
                var ruleId = Str(result, "ruleId");
                var rule = result.TryGetProperty("ruleIndex", out var index) && index.GetInt32() < rules.Count
                    ? rules[index.GetInt32()]
                    : rules.FirstOrDefault(x => Str(x, "id") == ruleId);
                ruleId ??= rule.ValueKind == JsonValueKind.Object ? Str(rule, "id") : null;
                var location = result.TryGetProperty("locations", out var locations) && locations.GetArrayLength() > 0
                    && locations[0].TryGetProperty("physicalLocation", out var physical) ? physical : default;
                var region = location.ValueKind == JsonValueKind.Object && location.TryGetProperty("region", out var reg) ? reg : default;
                results.Add(new SarifResult(
                    tool,
                    Str(driver, "semanticVersion") ?? Str(driver, "version"),
                    ruleId ?? "unknown",
                    rule.ValueKind == JsonValueKind.Object && rule.TryGetProperty("shortDescription", out var sd) ? Str(sd, "text") : null,
                    Str(result, "level") ?? (rule.ValueKind == JsonValueKind.Object && rule.TryGetProperty("defaultConfiguration", out var dc) ? Str(dc, "level") : null) ?? "warning",
                    result.TryGetProperty("message", out var message) ? Str(message, "text") ?? "" : "",
                    location.ValueKind == JsonValueKind.Object && location.TryGetProperty("artifactLocation", out var artifact) ? Uri.UnescapeDataString(Str(artifact, "uri") ?? "") : null,
                    region.ValueKind == JsonValueKind.Object ? Int(region, "startLine") : null,
                    region.ValueKind == JsonValueKind.Object ? Int(region, "startColumn") : null,
                    rule.ValueKind == JsonValueKind.Object && rule.TryGetProperty("properties", out var props)
                        && double.TryParse(Str(props, "security-severity"), NumberStyles.Float, CultureInfo.InvariantCulture, out var severity) ? severity : null,
                    result.TryGetProperty("suppressions", out var suppressions) && suppressions.GetArrayLength() > 0));
            }
        }

        return results;
    }

    private static Finding Create(string ruleId, string description, string secret, string file, int line, int column, int endLine, int endColumn, CommitInfo? commit, Severity severity = Severity.High) => new()
    {
        RuleId = ruleId,
        Description = description,
        SecretType = TypeOf(ruleId + " " + description),
        Severity = severity,
        SecretHash = SecretHasher.Hash(secret),
        RedactedPreview = SecretHasher.Redact(secret),
        ValuePattern = ValuePattern.Derive(secret),
        FilePath = file.TrimStart('/'),
        Line = Math.Max(1, line),
        Column = Math.Max(1, column),
        EndLine = Math.Max(line, endLine),
        EndColumn = Math.Max(1, endColumn),
        Entropy = Math.Round(Detection.Entropy.Shannon(secret), 3),
        Commit = commit,
    };

    private static SecretType TypeOf(string text)
    {
        var t = text.ToLowerInvariant();
        return t switch
        {
            _ when t.Contains("private") && t.Contains("key") || t.Contains("-pk") || t.Contains("privatekey") => SecretType.PrivateKey,
            _ when t.Contains("password") || t.Contains("uri") || t.Contains("url") => SecretType.Password,
            _ when t.Contains("token") => SecretType.Token,
            _ when t.Contains("key") || t.Contains("aws") => SecretType.ApiKey,
            _ => SecretType.Generic,
        };
    }

    private static JsonDocument Parse(string json, string what)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The {what} is not valid JSON: {e.Message}", e);
        }
    }

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : null;

    private static int ColumnIn(string? line, string secret) => line?.IndexOf(secret, StringComparison.Ordinal) is >= 0 and var i ? i + 1 : 1;

    private static string FirstLine(string? message) => message?.Split('\n', 2)[0].TrimEnd('\r') ?? "";

    private static DateTimeOffset Date(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : DateTimeOffset.UnixEpoch;

    // TruffleHog prints Go's time format: "2022-06-16 10:17:40 -0700 -0700".
    private static DateTimeOffset TrufflehogDate(string? text)
    {
        var match = text is null ? null : GoTime().Match(text);
        return match is { Success: true }
            && DateTimeOffset.TryParseExact($"{match.Groups[1].Value} {match.Groups[2].Value}:{match.Groups[3].Value}", "yyyy-MM-dd HH:mm:ss zzz",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : Date(text);
    }

    private static (string Name, string Email) Person(string? text)
    {
        var match = text is null ? null : PersonPattern().Match(text);
        return match is { Success: true } ? (match.Groups[1].Value.Trim(), match.Groups[2].Value) : (text ?? "", "");
    }

    private static string? DecodeBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : null;
    }

    private static string Slug(string text) => NonSlug().Replace(text.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlug();

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ([+-]\d{2}):?(\d{2})")]
    private static partial Regex GoTime();

    [GeneratedRegex(@"^(.*?)\s*<([^>]*)>$")]
    private static partial Regex PersonPattern();
}
