using System.CommandLine;
using DeployGuard.Data.Migrations;

namespace DeployGuard.Web.Commands;

/// <summary>
/// Command mode of the web app (seed 01's Alembic commands and a few operations tools), on System.CommandLine like the
/// <c>deployguard</c> CLI. Used by docker-compose and the Kubernetes init container: <c>DeployGuard.Web db upgrade</c>.
/// The first argument decides: a word is a command (an unknown one fails with the list of commands), anything else
/// (<c>--urls ...</c>, <c>Key=Value</c>, nothing) runs the web server.
/// </summary>
internal static class WebCommands
{
    public const int Success = 0;
    public const int CheckFailed = 1;
    public const int UsageError = 2;

    /// <summary>Every top-level command. A new command is one <c>XxxCommands.Create(host)</c> here (see DEVELOPERS.md).</summary>
    private static RootCommand Root(CommandHost host) => new("DeployGuard.Web: without a command, runs the web server " +
        "(ASP.NET Core host options such as --urls apply); with one, runs that command against the configured database and exits.")
    {
        DbCommands.Create(host),
        AuditCommands.Create(host),
        DemoCommands.Create(host),
        EpssCommands.Create(host),
        AccessCommands.CreateToken(host),
        AccessCommands.CreateInvite(host),
    };

    /// <summary>Whether the arguments name a command (or ask for help) rather than configure the web server.</summary>
    public static bool IsCommand(string[] args) =>
        args.Length > 0 && (args[0] is "--help" or "-h" or "-?" or "help" || (!args[0].StartsWith('-') && !args[0].StartsWith('/') && !args[0].Contains('=')));

    /// <summary>
    /// Parses and runs a command. The app (configuration, services, the embedded cluster) is built by
    /// <paramref name="buildApp"/> only when a valid command runs: help and usage errors never touch the database.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, Func<Task<WebApplication>> buildApp, TextWriter? stdout = null, TextWriter? stderr = null,
        CancellationToken cancellationToken = default)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var host = new CommandHost(buildApp, stdout, stderr);
        var root = Root(host);
        var parse = root.Parse(args is ["help", .. var rest] ? [.. rest, "--help"] : args);
        // Exceptions reach the catch below instead of System.CommandLine's handler, which prints a stack trace.
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        if (parse.Errors.Count > 0)
        {
            // An unknown word also leaves its parent "without a command": name only the word.
            var messages = parse.UnmatchedTokens.Count > 0
                ? parse.UnmatchedTokens.Select(t => $"unknown command or argument '{t}'.")
                : parse.Errors.Select(e => e.Message);
            foreach (var message in messages)
            {
                await stderr.WriteLineAsync($"error: {message}");
            }

            // The help of the command where parsing stopped: its subcommands, arguments and options.
            await stderr.WriteLineAsync();
            await root.Parse([.. PathOf(parse.CommandResult.Command, root), "--help"])
                .InvokeAsync(new InvocationConfiguration { Output = stderr, Error = stderr }, cancellationToken);
            return UsageError;
        }

        try
        {
            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (MigrationTargetException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            return UsageError;
        }
    }

    /// <summary>Every command of the tree with its path (<c>["db", "upgrade"]</c>), for help and tests.</summary>
    public static IEnumerable<(string[] Path, Command Command)> All(CommandHost host)
    {
        var root = Root(host);
        var pending = new Stack<(string[] Path, Command Command)>(root.Subcommands.Select(c => (new[] { c.Name }, c)));
        while (pending.TryPop(out var next))
        {
            yield return next;
            foreach (var sub in next.Command.Subcommands)
            {
                pending.Push(([.. next.Path, sub.Name], sub));
            }
        }
    }

    private static string[] PathOf(Command command, RootCommand root)
    {
        var path = new List<string>();
        for (var current = command; current is not null && current != root; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            path.Insert(0, current.Name);
        }

        return [.. path];
    }
}
