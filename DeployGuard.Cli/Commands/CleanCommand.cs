using System.CommandLine;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Cleaning;

namespace DeployGuard.Cli.Commands;

internal static class CleanCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("repository") { Description = "Repository to clean (left untouched; a mirror clone keeps every branch)." };
        var hashes = new Option<string[]>("--hash") { Description = "Secret hash of a finding to remove (repeatable)." };
        var fromReport = new Option<string?>("--from-report") { Description = "Remove every unsuppressed finding of this JSON report." };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the cleaned copy and the bundle.", Required = true };
        var config = CommandSupport.ConfigOption();

        var command = new Command("clean", "Rewrite history without the selected secrets into a cleaned copy and a git bundle, then verify.")
        {
            path, hashes, fromReport, output, config,
        };
        command.SetAction((parse, ct) => CommandSupport.GuardAsync(console, async () =>
        {
            var repository = parse.GetValue(path)!;
            var selected = (parse.GetValue(hashes) ?? []).ToList();
            if (parse.GetValue(fromReport) is { } report)
            {
                selected.AddRange(ScanRunner.ReadReport(report).Findings.Where(f => !f.IsSuppressed).Select(f => f.SecretHash));
            }

            if (selected.Count == 0)
            {
                throw new UsageException("Select secrets with --hash or --from-report.");
            }

            var configuration = ScanRunner.LoadConfiguration(new ScanSettings(repository, true, parse.GetValue(config), null, null, null));
            var cleaner = new HistoryCleaner(new SecretScanner(configuration));
            var result = await cleaner.CleanAsync(new CleaningRequest(repository, selected.Distinct().ToList(), parse.GetValue(output)!),
                new Progress<CleaningPhase>(), ct);

            var o = console.Out;
            await o.WriteLineAsync($"Cleaned copy: {result.CleanedRepositoryPath}");
            await o.WriteLineAsync($"Bundle:       {result.BundlePath}");
            await o.WriteLineAsync($"Replaced {result.OccurrencesReplaced} occurrence(s) of {result.CleanedHashes.Count} secret(s) in {result.ObjectsRewritten} object(s); {result.CommitsRewritten} commits rewritten.");
            foreach (var missing in result.HashesNotFound)
            {
                await o.WriteLineAsync($"Not found in history (nothing replaced): {missing}");
            }

            await o.WriteLineAsync(result.Verified
                ? "Verified: a re-scan and a byte search of every object find none of the cleaned secrets."
                : $"NOT VERIFIED: {result.RemainingFindings} finding(s) and {result.RemainingOccurrences} occurrence(s) remain.");
            await o.WriteLineAsync();
            await o.WriteLineAsync("To replace the remote history:");
            foreach (var line in result.PushCommands)
            {
                await o.WriteLineAsync("  " + line);
            }

            return result.Verified ? CliApp.Success : CliApp.FindingsFound;
        }));
        return command;
    }
}
