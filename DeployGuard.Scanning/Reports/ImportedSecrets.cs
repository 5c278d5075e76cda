using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// Turns a secret another scanner reported into a <see cref="Finding"/> the way our own scanner does: the value
/// is hashed and redacted on the spot and then dropped, so nothing downstream ever holds it.
/// </summary>
internal static partial class ImportedSecrets
{
    /// <summary>Value shape for secrets whose value the tool masked (Trivy): a literal no real value has, so learning from it suppresses nothing else.</summary>
    public const string MaskedPattern = "masked\\-by\\-scanner";

    /// <summary>
    /// The secret scanners' reports (gitleaks, TruffleHog): one object per leak, made into a finding by <paramref name="toFinding"/>
    /// (<c>null</c>: a result without a secret value, counted as skipped).
    /// </summary>
    public static IEnumerable<ReportResult> ReadAll(JsonStream json, ReportHeader header, Func<int, string> pathOf, string expectation,
        Func<System.Text.Json.JsonElement, Finding?> toFinding)
    {
        var index = 0;
        while (json.ReadValue() is { } document)
        {
            json.Path = pathOf(index++);
            using (document)
            {
                var item = document.RootElement;
                if (item.ValueKind != System.Text.Json.JsonValueKind.Object)
                {
                    throw json.Error($"{expectation}; {json.Path} is {item.ValueKind.ToString().ToLowerInvariant()}.");
                }

                if (toFinding(item) is not { } finding)
                {
                    header.Skipped++;
                    continue;
                }

                yield return new ReportResult
                {
                    Kind = ResultKind.Secret,
                    RuleId = finding.RuleId,
                    Title = finding.Description,
                    Severity = finding.Severity,
                    Target = finding.FilePath,
                    Path = finding.FilePath,
                    Line = finding.Line,
                    Secret = finding,
                };
            }
        }
    }

    public static Finding Create(string ruleId, string description, string secret, string file, int line, int column, int endLine, int endColumn,
        CommitInfo? commit, Severity severity = Severity.High) => new()
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

    /// <summary>
    /// A secret whose value the report does not contain (the tool masked it): identified by what the tool did
    /// say about it (<paramref name="standIn"/>), shown as asterisks.
    /// </summary>
    public static Finding Masked(string ruleId, string description, string standIn, string file, int line, Severity severity) => new()
    {
        RuleId = ruleId,
        Description = description,
        SecretType = TypeOf(ruleId + " " + description),
        Severity = severity,
        SecretHash = SecretHasher.Hash("masked:" + ruleId + "\n" + standIn),
        RedactedPreview = "*****",
        ValuePattern = MaskedPattern,
        FilePath = file.TrimStart('/'),
        Line = Math.Max(1, line),
        Column = 1,
        EndLine = Math.Max(1, line),
        EndColumn = 1,
    };

    /// <summary>A finding from a report that already hashed the value (our own SARIF).</summary>
    public static Finding Hashed(string ruleId, string description, string secretHash, string? preview, string? valuePattern, string file, int line,
        int column, Severity severity) => new()
    {
        RuleId = ruleId,
        Description = description,
        SecretType = TypeOf(ruleId + " " + description),
        Severity = severity,
        SecretHash = secretHash,
        RedactedPreview = preview ?? "*****",
        ValuePattern = valuePattern is not null && ValuePattern.IsValid(valuePattern) ? valuePattern : MaskedPattern,
        FilePath = file.TrimStart('/'),
        Line = Math.Max(1, line),
        Column = Math.Max(1, column),
        EndLine = Math.Max(1, line),
        EndColumn = Math.Max(1, column),
    };

    public static SecretType TypeOf(string text)
    {
        var t = text.ToLowerInvariant();
        return t switch
        {
            _ when t.Contains("private") && t.Contains("key") || t.Contains("-pk") || t.Contains("privatekey") => SecretType.PrivateKey,
            _ when t.Contains("password") || t.Contains("uri") || t.Contains("url") => SecretType.Password,
            _ when t.Contains("token") || t.Contains("-pat") || t.Contains(" pat") => SecretType.Token,
            _ when t.Contains("key") || t.Contains("aws") => SecretType.ApiKey,
            _ => SecretType.Generic,
        };
    }

    public static DateTimeOffset Date(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : DateTimeOffset.UnixEpoch;

    // TruffleHog prints Go's time format: "2022-06-16 10:17:40 -0700 -0700".
    public static DateTimeOffset GoDate(string? text)
    {
        var match = text is null ? null : GoTime().Match(text);
        return match is { Success: true }
            && DateTimeOffset.TryParseExact($"{match.Groups[1].Value} {match.Groups[2].Value}:{match.Groups[3].Value}", "yyyy-MM-dd HH:mm:ss zzz",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : Date(text);
    }

    public static (string Name, string Email) Person(string? text)
    {
        var match = text is null ? null : PersonPattern().Match(text);
        return match is { Success: true } ? (match.Groups[1].Value.Trim(), match.Groups[2].Value) : (text ?? "", "");
    }

    public static string? DecodeBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : null;
    }

    public static string FirstLine(string? message) => message?.Split('\n', 2)[0].TrimEnd('\r') ?? "";

    public static string Slug(string text) => NonSlug().Replace(text.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlug();

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ([+-]\d{2}):?(\d{2})")]
    private static partial Regex GoTime();

    [GeneratedRegex(@"^(.*?)\s*<([^>]*)>$")]
    private static partial Regex PersonPattern();
}
