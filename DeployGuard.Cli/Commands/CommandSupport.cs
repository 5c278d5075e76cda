using System.CommandLine;
using System.Net.Http;
using System.Text.Json;
using DeployGuard.Scanning.Git;
using DeployGuard.Scanning.Rules;

namespace DeployGuard.Cli.Commands;

/// <summary>Options shared by several commands, and the error handling every command uses.</summary>
internal static class CommandSupport
{
    public static Argument<string> PathArgument() => new("path")
    {
        Description = "Folder, file or repository to scan (default: the current folder).",
        DefaultValueFactory = _ => ".",
    };

    public static Option<bool> HistoryOption() => new("--history")
    {
        Description = "Scan every commit of every branch and tag instead of the files on disk.",
    };

    public static Option<string?> ConfigOption() => new("--config", "-c")
    {
        Description = "Rules file (.yml/.yaml, or gitleaks-style .toml). Default: .deployguard.yml/.yaml/.toml in PATH, else the built-in rules.",
    };

    public static Option<string?> BaselineOption() => new("--baseline", "-b")
    {
        Description = "Baseline file of accepted findings (written by 'deployguard baseline'); those are reported as suppressed.",
    };

    public static Option<string?> PatternsOption() => new("--fp-patterns")
    {
        Description = "JSON file of learned false-positive patterns (the server's GET /api/scanning/false-positive-patterns response).",
    };

    public static Option<long?> MaxFileSizeOption() => new("--max-file-size")
    {
        Description = "Skip files and blobs larger than this many bytes (default 5 MiB).",
    };

    public static Option<string?> ServerOption() => new("--server", "-s")
    {
        Description = "DeployGuard server base URL, e.g. https://deployguard.example.com (env DEPLOYGUARD_SERVER).",
    };

    public static Option<string?> TokenOption() => new("--token", "-t")
    {
        Description = "API token (env DEPLOYGUARD_TOKEN). Sent as a bearer token, never printed.",
    };

    public static ScanSettings Settings(ParseResult parse, Argument<string> path, Option<bool> history, Option<string?> config,
        Option<string?>? baseline = null, Option<string?>? patterns = null, Option<long?>? maxFileSize = null) => new(
        parse.GetValue(path) ?? ".",
        parse.GetValue(history),
        parse.GetValue(config),
        baseline is null ? null : parse.GetValue(baseline),
        patterns is null ? null : parse.GetValue(patterns),
        maxFileSize is null ? null : parse.GetValue(maxFileSize));

    /// <summary>Runs a command body, turning expected failures into a one-line message and exit code 2 (or <paramref name="errorExit"/>).</summary>
    public static async Task<int> GuardAsync(CliConsole console, Func<Task<int>> body, int errorExit = CliApp.Error)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is ScannerConfigurationException or GitException or IOException or UnauthorizedAccessException
                                      or FormatException or JsonException or ArgumentException or HttpRequestException
                                      or ServerException or TaskCanceledException or UsageException)
        {
            await console.Error.WriteLineAsync($"deployguard: {e.Message}");
            return errorExit;
        }
    }
}
