using System.Text.Json;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Scanning.Git;
using DeployGuard.Scanning.Rules;
using DeployGuard.Scanning.Suppressions;

namespace DeployGuard.Cli;

internal sealed record ScanSettings(string Path, bool History, string? ConfigPath, string? BaselinePath, string? PatternsPath, long? MaxFileSize)
{
    /// <summary>Only what is staged for the next commit (pre-commit hooks); reported as a directory scan.</summary>
    public bool Staged { get; init; }
}

/// <summary>Turns command-line settings into a scan and a <see cref="ScanReport"/>.</summary>
internal static class ScanRunner
{
    private static readonly string[] ConfigNames = [".deployguard.yml", ".deployguard.yaml", ".deployguard.toml"];

    public static async Task<ScanReport> RunAsync(ScanSettings settings, CliConsole console, CancellationToken cancellationToken, bool useBaseline = true)
    {
        var scanner = new SecretScanner(LoadConfiguration(settings), Options(settings, useBaseline));
        var progress = new LatestProgress(console.InteractiveProgress ? console.Error : null, settings.History);
        var started = TimeProvider.System.GetUtcNow();
        var findings = new List<Finding>();
        var source = settings.History ? scanner.ScanHistoryAsync(settings.Path, progress, cancellationToken)
            : settings.Staged ? scanner.ScanStagedAsync(settings.Path, progress, cancellationToken)
            : scanner.ScanDirectoryAsync(settings.Path, progress, cancellationToken);
        await foreach (var finding in source)
        {
            findings.Add(finding);
        }

        progress.Finish();
        var last = progress.Latest;
        return new ScanReport
        {
            Tool = new ToolInfo("deployguard", CliApp.Version),
            Mode = settings.History ? ScanModes.History : ScanModes.Directory,
            Repository = await RepositoryInspector.TryInspectAsync(settings.Path, cancellationToken),
            StartedAt = started,
            CompletedAt = TimeProvider.System.GetUtcNow(),
            Statistics = new ScanStatistics(last?.FilesDone ?? 0, last?.BytesScanned ?? 0, last?.CommitsDone ?? 0,
                Math.Round(last?.Elapsed.TotalSeconds ?? 0, 3)),
            Findings = findings
                .OrderBy(f => f.FilePath, StringComparer.Ordinal)
                .ThenBy(f => f.Line)
                .ThenBy(f => f.Column)
                .ThenBy(f => f.Commit?.Date)
                .ToList(),
        };
    }

    public static ScannerConfiguration LoadConfiguration(ScanSettings settings)
    {
        if (settings.ConfigPath is { } explicitPath)
        {
            return ScannerConfiguration.Load(explicitPath);
        }

        if (Directory.Exists(settings.Path))
        {
            foreach (var name in ConfigNames)
            {
                var candidate = Path.Combine(settings.Path, name);
                if (File.Exists(candidate))
                {
                    return ScannerConfiguration.Load(candidate);
                }
            }
        }

        return ScannerConfiguration.Default;
    }

    public static ScanReport ReadReport(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ScanningJson.Context.ScanReport)
                   ?? throw new FormatException($"'{path}' is empty.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"'{path}' is not a deployguard JSON report ('deployguard scan --format json'): {e.Message}", e);
        }
    }

    private static ScanOptions Options(ScanSettings settings, bool useBaseline)
    {
        var options = new ScanOptions
        {
            Baseline = useBaseline && settings.BaselinePath is { } baseline ? Baseline.Load(baseline) : null,
            FalsePositivePatterns = settings.PatternsPath is { } patterns ? LoadPatterns(patterns) : [],
        };
        return settings.MaxFileSize is { } max
            ? max > 0 ? options with { MaxFileSizeBytes = max } : throw new UsageException("--max-file-size must be positive.")
            : options;
    }

    private static List<FalsePositivePattern> LoadPatterns(string path)
    {
        List<FalsePositivePattern>? patterns;
        try
        {
            patterns = JsonSerializer.Deserialize(File.ReadAllText(path), ScanningJson.Context.ListFalsePositivePattern);
        }
        catch (JsonException e)
        {
            throw new FormatException($"'{path}' is not a JSON array of false-positive patterns: {e.Message}", e);
        }

        foreach (var pattern in patterns ?? [])
        {
            if (!ValuePattern.IsValid(pattern.Pattern))
            {
                throw new FormatException($"'{path}': '{pattern.Pattern}' is not a valid value pattern.");
            }
        }

        return patterns ?? [];
    }
}

/// <summary>Keeps the last progress snapshot (for statistics) and draws a one-line progress display.</summary>
internal sealed class LatestProgress(TextWriter? display, bool history) : IProgress<ScanProgress>
{
    private readonly Lock _gate = new();

    public ScanProgress? Latest { get; private set; }

    public void Report(ScanProgress value)
    {
        lock (_gate)
        {
            Latest = value;
            display?.Write(history
                ? $"\rScanning history: {value.CommitsDone}/{value.CommitsTotal} commits, {value.FilesDone}/{value.FilesTotal} blobs, {value.FindingsFound} findings   "
                : $"\rScanning: {value.FilesDone}/{value.FilesTotal} files, {value.FindingsFound} findings   ");
        }
    }

    public void Finish()
    {
        lock (_gate)
        {
            display?.WriteLine();
        }
    }
}
