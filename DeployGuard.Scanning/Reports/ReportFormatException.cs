namespace DeployGuard.Scanning.Reports;

/// <summary>
/// A report that cannot be imported: not JSON, truncated, too large, of an unknown format, or not shaped like
/// its format. The message names the format and where (line, JSON path) it went wrong; nothing is imported.
/// </summary>
public sealed class ReportFormatException(string format, string path, long? line, string message) : FormatException(message)
{
    /// <summary>The format the report was read as ("Trivy JSON"), or "unknown".</summary>
    public string Format { get; } = format;

    /// <summary>Where in the report: a JSON path such as <c>Results[2].Vulnerabilities</c>, or <c>line 4</c>.</summary>
    public string Location { get; } = path;

    /// <summary>1-based line of the error when the JSON itself is broken.</summary>
    public long? Line { get; } = line;
}
