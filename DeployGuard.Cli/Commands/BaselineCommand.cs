using System.CommandLine;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Suppressions;

namespace DeployGuard.Cli.Commands;

internal static class BaselineCommand
{
    public const string DefaultFile = ".deployguard-baseline.json";

    public static Command Create(CliConsole console)
    {
        var path = CommandSupport.PathArgument();
        var history = CommandSupport.HistoryOption();
        var config = CommandSupport.ConfigOption();
        var output = new Option<string?>("--output", "-o") { Description = $"Baseline file to write (default: {DefaultFile} in PATH)." };
        var reason = new Option<string?>("--reason") { Description = "Why these findings are accepted; stored with each entry." };

        var command = new Command("baseline", "Accept every current finding: write them (hashes only) to a baseline file for --baseline.")
        {
            path, history, config, output, reason,
        };
        command.SetAction((parse, ct) => CommandSupport.GuardAsync(console, async () =>
        {
            var settings = CommandSupport.Settings(parse, path, history, config);
            var report = await ScanRunner.RunAsync(settings, console, ct, useBaseline: false);
            // Findings already allowed inline need no baseline entry.
            var accepted = report.Findings.Where(f => f.Suppression?.Kind != SuppressionKind.InlineComment);
            var baseline = Baseline.FromFindings(accepted, parse.GetValue(reason));
            var file = parse.GetValue(output)
                ?? Path.Combine(Directory.Exists(settings.Path) ? settings.Path : Path.GetDirectoryName(Path.GetFullPath(settings.Path)) ?? ".", DefaultFile);
            baseline.Save(file);
            await console.Out.WriteLineAsync($"Wrote {baseline.Entries.Count} accepted finding(s) to {file}.");
            return CliApp.Success;
        }));
        return command;
    }
}
