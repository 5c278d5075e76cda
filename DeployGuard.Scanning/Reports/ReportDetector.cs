using System.Text.Json;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// Tells the format from the content (never the file name): the top-level keys of a JSON object, the first
/// element of a JSON array. Reads only as far as needed; "undecided" asks the caller for more bytes.
/// </summary>
internal static class ReportDetector
{
    public sealed record Verdict(ReportFormat Format, bool Decided, string? Why = null);

    public static Verdict Detect(ReadOnlySpan<byte> head, bool complete)
    {
        var start = 0;
        while (start < head.Length && head[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        if (start == head.Length)
        {
            return complete ? new(ReportFormat.Empty, true) : new(ReportFormat.Unknown, false);
        }

        var data = head[start..];
        return data[0] switch
        {
            (byte)'{' => Object(data, complete),
            (byte)'[' => Array(data, complete),
            (byte)'n' when data.StartsWith("null"u8) => new(ReportFormat.Gitleaks, true),
            _ => new(ReportFormat.Unknown, true, $"the file does not start with JSON (it starts with \"{JsonStream.Printable(data)}\")"),
        };
    }

    private static Verdict Object(ReadOnlySpan<byte> data, bool complete)
    {
        var reader = new Utf8JsonReader(data, complete, new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true }));
        var keys = new List<string>();
        try
        {
            if (!reader.Read())
            {
                return new(ReportFormat.Unknown, complete, "the file is empty");
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                var key = reader.GetString() ?? "";
                keys.Add(key);
                switch (key)
                {
                    case "runs":
                        return new(ReportFormat.Sarif, true);
                    case "matches" or "ignoredMatches":
                        return new(ReportFormat.Grype, true);
                    case "Results" or "ArtifactName" or "ArtifactType":
                        return new(ReportFormat.Trivy, true);
                    case "SourceMetadata" or "DetectorName" or "DetectorType" or "SourceName":
                        return new(ReportFormat.Trufflehog, true);
                    case "bomFormat" or "$schema":
                        if (!reader.Read())
                        {
                            return new(ReportFormat.Unknown, complete);
                        }

                        var value = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                        {
                            return new(ReportFormat.Unknown, complete, Keys(keys));
                        }

                        if (value.Contains("cyclonedx", StringComparison.OrdinalIgnoreCase))
                        {
                            return new(ReportFormat.CycloneDx, true);
                        }

                        if (value.Contains("sarif", StringComparison.OrdinalIgnoreCase))
                        {
                            return new(ReportFormat.Sarif, true);
                        }

                        continue;
                }

                if (!reader.TrySkip())
                {
                    return new(ReportFormat.Unknown, complete, Keys(keys));
                }
            }
        }
        catch (JsonException e)
        {
            return new(ReportFormat.Unknown, true, $"the file is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }

        var ended = reader.TokenType == JsonTokenType.EndObject;
        return new(ReportFormat.Unknown, ended || complete, Keys(keys));
    }

    private static Verdict Array(ReadOnlySpan<byte> data, bool complete)
    {
        var reader = new Utf8JsonReader(data, complete, default);
        try
        {
            if (!reader.Read() || !reader.Read())
            {
                return new(ReportFormat.Unknown, complete, "the file ends inside its first array");
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                // An empty list is what gitleaks writes when it finds nothing.
                return new(ReportFormat.Gitleaks, true);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return new(ReportFormat.Unknown, true, $"the file is an array whose first element is {JsonStream.Describe(reader.TokenType)}, not a result object");
            }

            var keys = new List<string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString() ?? "";
                keys.Add(key);
                switch (key)
                {
                    case "Target" or "Vulnerabilities" or "Class":
                        // Trivy's schema 1 (before 0.20) is a bare array of results.
                        return new(ReportFormat.Trivy, true);
                    case "RuleID" or "rule" or "offender" or "Secret" or "Match" or "leakURL":
                        return new(ReportFormat.Gitleaks, true);
                }

                if (!reader.TrySkip())
                {
                    return new(ReportFormat.Unknown, complete, "an array of objects with keys " + string.Join(", ", keys));
                }
            }

            return new(ReportFormat.Unknown, reader.TokenType == JsonTokenType.EndObject || complete,
                "an array of objects with keys " + string.Join(", ", keys));
        }
        catch (JsonException e)
        {
            return new(ReportFormat.Unknown, true, $"the file is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
    }

    private static string Keys(List<string> keys) =>
        keys.Count == 0 ? "the file is an empty JSON object" : "the file is a JSON object with the keys " + string.Join(", ", keys.Take(12));
}
