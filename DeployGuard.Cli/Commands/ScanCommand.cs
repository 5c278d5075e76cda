using System.CommandLine;

namespace DeployGuard.Cli.Commands;

internal static class ScanCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommandSupport.PathArgument();
        var history = CommandSupport.HistoryOption();
        var config = CommandSupport.ConfigOption();
        var baseline = CommandSupport.BaselineOption();
        var patterns = CommandSupport.PatternsOption();
        var maxFileSize = CommandSupport.MaxFileSizeOption();
        var format = new Option<string>("--format", "-f") { Description = "Output format.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong(ReportFormatter.Formats);
        var output = new Option<string?>("--output", "-o") { Description = "Write the report to this file instead of standard output." };
        var failOnFindings = new Option<bool>("--fail-on-findings") { Description = "Exit with code 1 when unsuppressed findings remain (pre-commit hooks, CI)." };
        var showSuppressed = new Option<bool>("--show-suppressed") { Description = "List suppressed findings in the table, with the reason." };
        var staged = new Option<bool>("--staged")
        {
            Description = "Scan only the changes staged for the next commit (the index against HEAD) and report the secrets they add (pre-commit hooks).",
        };

        var command = new Command("scan", "Scan files, or the whole git history, for secrets.")
        {
            path, history, staged, config, baseline, patterns, maxFileSize, format, output, failOnFindings, showSuppressed,
        };
        command.SetAction((parse, ct) => CommandSupport.GuardAsync(console, async () =>
        {
            var settings = CommandSupport.Settings(parse, path, history, config, baseline, patterns, maxFileSize) with { Staged = parse.GetValue(staged) };
            if (settings.Staged && settings.History)
            {
                throw new UsageException("--staged and --history cannot be combined: --staged scans the next commit, --history the past ones.");
            }

            var report = await ScanRunner.RunAsync(settings, console, ct);
            var text = ReportFormatter.Format(report, parse.GetValue(format) ?? "table", parse.GetValue(showSuppressed));
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, text, ct);
                await console.Error.WriteLineAsync($"{report.UnsuppressedCount} finding(s) written to {file}.");
            }
            else
            {
                await console.Out.WriteAsync(text);
                if (!text.EndsWith('\n'))
                {
                    await console.Out.WriteLineAsync();
                }
            }

            return parse.GetValue(failOnFindings) && report.UnsuppressedCount > 0 ? CliApp.FindingsFound : CliApp.Success;
        }));
        return command;
    }
}
