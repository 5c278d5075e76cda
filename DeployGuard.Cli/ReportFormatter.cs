using System.Globalization;
using System.Text.Json;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Scanning.Reports;

namespace DeployGuard.Cli;

internal static class ReportFormatter
{
    public static readonly string[] Formats = ["table", "json", "sarif"];

    public static string Format(ScanReport report, string format, bool showSuppressed) => format switch
    {
        "json" => JsonSerializer.Serialize(report, ScanningJson.IndentedContext.ScanReport),
        "sarif" => SarifWriter.Write(report),
        _ => Table(report, showSuppressed),
    };

    private static string Table(ScanReport report, bool showSuppressed)
    {
        var rows = report.Findings.Where(f => showSuppressed || !f.IsSuppressed).ToList();
        var history = report.Mode == ScanModes.History;
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        if (rows.Count > 0)
        {
            var header = new List<string> { "RULE", "SEVERITY", "LOCATION" };
            if (history)
            {
                header.AddRange(["COMMIT", "AUTHOR", "DATE"]);
            }

            header.Add("SECRET");
            if (showSuppressed)
            {
                header.Add("SUPPRESSED");
            }

            var table = new List<List<string>> { header };
            foreach (var f in rows)
            {
                var row = new List<string> { f.RuleId, WireNames.Of(f.Severity), $"{f.FilePath}:{f.Line}:{f.Column}" };
                if (history)
                {
                    row.AddRange([f.Commit?.Sha[..Math.Min(10, f.Commit.Sha.Length)] ?? "", f.Commit?.AuthorName ?? "", f.Commit?.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""]);
                }

                row.Add(f.RedactedPreview);
                if (showSuppressed)
                {
                    row.Add(f.Suppression?.Reason ?? "");
                }

                table.Add(row);
            }

            var widths = Enumerable.Range(0, header.Count).Select(i => table.Max(r => r[i].Length)).ToArray();
            foreach (var row in table)
            {
                writer.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
            }

            writer.WriteLine();
        }

        var suppressed = report.Findings.Count(f => f.IsSuppressed);
        var stats = report.Statistics;
        var scope = history
            ? $"{stats.CommitsScanned} commits ({stats.FilesScanned} blobs)"
            : $"{stats.FilesScanned} files";
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.UnsuppressedCount} finding(s), {suppressed} suppressed, in {scope}, {stats.BytesScanned / 1048576.0:0.0} MiB, {stats.DurationSeconds:0.00} s."));
        return writer.ToString();
    }
}
