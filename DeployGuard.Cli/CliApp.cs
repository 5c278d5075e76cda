using System.CommandLine;
using System.Reflection;
using DeployGuard.Cli.Commands;

namespace DeployGuard.Cli;

/// <summary>
/// The <c>deployguard</c> command line. Exit codes: 0 success, 1 unsuppressed findings (with
/// <c>--fail-on-findings</c>) or secrets left after cleaning, 2 bad input or a failure.
/// </summary>
internal static class CliApp
{
    public const int Success = 0;
    public const int FindingsFound = 1;
    public const int Error = 2;

    public static string Version { get; } =
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var console = new CliConsole(stdout, stderr, InteractiveProgress: ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected);
        var root = new RootCommand("DeployGuard: find secrets in code and git history, clean them out, report to the DeployGuard server.")
        {
            ScanCommand.Create(console),
            BaselineCommand.Create(console),
            UploadCommand.Create(console),
            ReportCommand.Create(console),
            GateCommand.Create(console),
            FeedbackCommand.Create(console),
            CleanCommand.Create(console),
            RulesCommand.Create(console),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"deployguard: {error.Message}");
            }

            await stderr.WriteLineAsync("Run 'deployguard --help' for usage.");
            // For 'gate' 2 means "warn": a usage error must not read as a decision.
            return parse.CommandResult.Command.Name == "gate" ? Commands.GateCommand.NotAsked : Error;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }
}

/// <summary>Where commands write; progress goes to stderr only when a person is watching.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool InteractiveProgress);
