using System.Text.Json;

namespace DeployGuard.Scanning.Reports;

/// <summary>gitleaks JSON: an array of leaks in the v8 schema (<c>RuleID</c>, <c>Secret</c>...) or v7's (<c>rule</c>, <c>offender</c>...); <c>null</c> and <c>[]</c> hold none.</summary>
internal static class GitleaksParser
{
    public static IEnumerable<ReportResult> Parse(JsonStream json, ReportHeader header)
    {
        header.Tool = "gitleaks";
        if (!json.ExpectArrayOrNull("A gitleaks report"))
        {
            yield break;
        }

        foreach (var result in ImportedSecrets.ReadAll(json, header, index => $"[{index}]", "Each leak is an object", ToFinding))
        {
            yield return result;
        }
    }

    private static Finding? ToFinding(JsonElement item)
    {
        var v8 = item.TryGetProperty("RuleID", out _);
        var secret = item.Str(v8 ? "Secret" : "offender");
        if (string.IsNullOrEmpty(secret))
        {
            return null;
        }

        var description = item.Str(v8 ? "Description" : "rule") ?? "gitleaks finding";
        var ruleId = v8 ? item.Str("RuleID")! : ImportedSecrets.Slug(description);
        var line = item.Int(v8 ? "StartLine" : "lineNumber") ?? 1;
        var column = v8 ? item.Int("StartColumn") ?? 1 : ColumnIn(item.Str("line"), secret);
        var sha = item.Str(v8 ? "Commit" : "commit");
        return ImportedSecrets.Create(
            ruleId,
            description,
            secret,
            item.Str(v8 ? "File" : "file") ?? "",
            line,
            column,
            v8 ? item.Int("EndLine") ?? line : line,
            v8 ? (item.Int("EndColumn") ?? column + secret.Length - 1) + 1 : column + secret.Length,
            string.IsNullOrEmpty(sha) ? null : new CommitInfo(
                sha,
                item.Str(v8 ? "Author" : "author") ?? "",
                item.Str(v8 ? "Email" : "email") ?? "",
                ImportedSecrets.Date(item.Str(v8 ? "Date" : "date")),
                ImportedSecrets.FirstLine(item.Str(v8 ? "Message" : "commitMessage"))));
    }

    private static int ColumnIn(string? line, string secret) => line?.IndexOf(secret, StringComparison.Ordinal) is >= 0 and var i ? i + 1 : 1;
}
