namespace DeployGuard.Scanning.Reports;

/// <summary>What a report says about itself, filled in as it is read (some tools write it after the results).</summary>
public sealed class ReportHeader
{
    public ReportFormat Format { get; internal set; }

    /// <summary>The scanner that wrote the report ("trivy", "grype", "CodeQL"...): with the target, the scope in which a missing finding counts as fixed.</summary>
    public string Tool { get; internal set; } = "";

    public string? ToolVersion { get; internal set; }

    /// <summary>What was scanned, when the report says (an image, a folder, a repository).</summary>
    public string? Target { get; internal set; }

    /// <summary>Trivy's artifact type, Grype's source type, CycloneDX's top component type.</summary>
    public string? TargetType { get; internal set; }

    /// <summary>Results the report holds that are not findings (passed checks, entries without a value).</summary>
    public int Skipped { get; internal set; }

    /// <summary>Results yielded so far plus <see cref="Skipped"/>: every result the report holds, once read to the end.</summary>
    public int ResultsInReport { get; internal set; }

    /// <summary>Bytes of the report read.</summary>
    public long Bytes { get; internal set; }
}

/// <summary>A report opened for reading: its format (detected or given) and its results, read once, lazily.</summary>
public sealed class ParsedReport(ReportHeader header, IEnumerable<ReportResult> results)
{
    public ReportHeader Header { get; } = header;

    public ReportFormat Format => Header.Format;

    /// <summary>Enumerate once; throws <see cref="ReportFormatException"/> where the report turns out broken.</summary>
    public IEnumerable<ReportResult> Results { get; } = results;
}

/// <summary>
/// Reads scanner reports: Trivy JSON (schema 2, and schema 1 arrays), Grype JSON, SARIF 2.1.0, CycloneDX JSON
/// 1.4–1.7, gitleaks JSON (v7 and v8) and TruffleHog v3 JSON lines. The format comes from the content. Results
/// stream: one result (or one Trivy target) is in memory at a time, so memory does not grow with the report.
/// </summary>
public static class ReportReader
{
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    private const int MaxDetectionBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Opens a report. <paramref name="format"/> forces a format (an empty TruffleHog file is otherwise just
    /// "empty"); Unknown detects it. Throws <see cref="ReportFormatException"/> when the format cannot be told.
    /// </summary>
    public static ParsedReport Open(Stream stream, ReportFormat format = ReportFormat.Unknown, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new ReportHeader();
        var json = new JsonStream(stream, "unknown", maxBytes);
        if (format == ReportFormat.Unknown)
        {
            var size = 64 * 1024;
            while (true)
            {
                var head = json.Peek(size);
                var complete = head.Length < size;
                var verdict = ReportDetector.Detect(head, complete);
                if (verdict.Decided || size >= MaxDetectionBytes)
                {
                    if (verdict.Format == ReportFormat.Unknown)
                    {
                        throw new ReportFormatException("unknown", "$", null,
                            "Not a report DeployGuard can read: expected Trivy JSON, Grype JSON, SARIF 2.1.0, CycloneDX JSON (1.4 to 1.7), " +
                            $"gitleaks JSON or TruffleHog JSON lines, but {verdict.Why ?? "the format could not be told from its beginning"}.");
                    }

                    format = verdict.Format;
                    break;
                }

                size *= 4;
            }
        }

        header.Format = format;
        var name = format.DisplayName();
        json.Configure(name, multipleValues: format == ReportFormat.Trufflehog);
        IEnumerable<ReportResult> results = format switch
        {
            ReportFormat.Trivy => TrivyParser.Parse(json, header),
            ReportFormat.Grype => GrypeParser.Parse(json, header),
            ReportFormat.Sarif => SarifParser.Parse(json, header),
            ReportFormat.CycloneDx => CycloneDxParser.Parse(json, header),
            ReportFormat.Gitleaks => GitleaksParser.Parse(json, header),
            ReportFormat.Trufflehog => TrufflehogParser.Parse(json, header),
            _ => [],
        };
        return new ParsedReport(header, Count(results, header, json));
    }

    private static IEnumerable<ReportResult> Count(IEnumerable<ReportResult> results, ReportHeader header, JsonStream json)
    {
        foreach (var result in results)
        {
            header.ResultsInReport++;
            header.Bytes = json.BytesRead;
            yield return result;
        }

        header.ResultsInReport += header.Skipped;
        header.Bytes = json.BytesRead;
    }
}
