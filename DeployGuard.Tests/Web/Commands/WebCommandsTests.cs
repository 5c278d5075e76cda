using System.Net.Sockets;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Commands;
using Microsoft.AspNetCore.Builder;

namespace DeployGuard.Tests.Web.Commands;

/// <summary>The web app's command mode: System.CommandLine parsing in-process, and the real executable for the end-to-end runs.</summary>
public sealed class WebCommandsTests
{
    private static Task<WebApplication> NeverBuilt() => throw new InvalidOperationException("help and usage errors must not build the app");

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await WebCommands.RunAsync(args, NeverBuilt, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static IReadOnlyList<(string[] Path, System.CommandLine.Command Command)> AllCommands() =>
        WebCommands.All(new CommandHost(NeverBuilt, TextWriter.Null, TextWriter.Null)).ToList();

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--urls", "http://localhost:5107" }, false)]
    [InlineData(new[] { "Database:MigrateOnStartup=false" }, false)]
    [InlineData(new[] { "/urls", "http://localhost:5107" }, false)]
    [InlineData(new[] { "seed-dmo" }, true)]
    [InlineData(new[] { "db", "current" }, true)]
    [InlineData(new[] { "--help" }, true)]
    [InlineData(new[] { "help" }, true)]
    public void IsCommand_FirstArgument_WordIsACommandOptionsRunTheServer(string[] args, bool expected) =>
        Assert.Equal(expected, WebCommands.IsCommand(args));

    [Fact]
    public async Task RunAsync_HelpOfEveryCommand_PrintsItsUsageAndExitsZeroWithoutTheApp()
    {
        var commands = AllCommands();
        Assert.Contains(commands, c => c.Path.SequenceEqual(["db", "upgrade"]));
        Assert.Contains(commands, c => c.Path.SequenceEqual(["audit", "verify"]));
        Assert.Contains(commands, c => c.Path.SequenceEqual(["seed-demo"]));

        foreach (var (path, command) in commands)
        {
            var (exit, output, error) = await RunAsync([.. path, "--help"]);

            Assert.True(exit == 0, $"{string.Join(' ', path)} --help: exit {exit}\n{error}");
            // "Usage:  <executable> db upgrade [<target>] [options]"
            Assert.Matches($@"Usage:\s+\S+ {string.Join(' ', path)} ", output);
            Assert.Contains(command.Description!, output);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    public async Task RunAsync_RootHelp_ListsEveryCommand(string help)
    {
        var (exit, output, _) = await RunAsync(help);

        Assert.Equal(0, exit);
        Assert.All(AllCommands().Where(c => c.Path.Length == 1), c => Assert.Contains(c.Command.Name, output));
    }

    [Theory]
    [InlineData("seed-dmo")]
    [InlineData("tokens")]
    public async Task RunAsync_UnknownCommandWord_FailsWithTheListOfCommands(string word)
    {
        var (exit, output, error) = await RunAsync(word, "create");

        Assert.Equal(WebCommands.UsageError, exit);
        Assert.Empty(output);
        Assert.StartsWith($"error: unknown command or argument '{word}'.", error);
        Assert.All(AllCommands().Where(c => c.Path.Length == 1), c => Assert.Contains($"  {c.Command.Name} ", error));
    }

    [Theory]
    [InlineData(new[] { "db" }, "Required command was not provided.", "upgrade")]
    [InlineData(new[] { "db", "upgrad" }, "unknown command or argument 'upgrad'.", "downgrade")]
    [InlineData(new[] { "db", "downgrade" }, "Required argument 'target' missing", "<target>")]
    [InlineData(new[] { "audit", "generate", "0" }, "count must be a positive number.", "<count>")]
    [InlineData(new[] { "audit", "generate", "many" }, "Cannot parse argument 'many'", "<count>")]
    [InlineData(new[] { "seed-demo", "--fast" }, "unknown command or argument '--fast'.", "seed-demo")]
    public async Task RunAsync_BadUsage_ExitsTwoWithTheMessageAndThatCommandsHelp(string[] args, string message, string helpText)
    {
        var (exit, _, error) = await RunAsync(args);

        Assert.Equal(WebCommands.UsageError, exit);
        Assert.Contains(message, error);
        Assert.Contains(helpText, error[error.IndexOf("Usage:", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task Executable_UnknownCommandWord_ExitsWithoutStartingAServer()
    {
        var port = AppProcess.FreePort();

        var (exit, _, error) = await AppProcess.RunCommandAsync(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://localhost:{port}" }, "seed-dmo");

        Assert.Equal(WebCommands.UsageError, exit);
        Assert.Contains("unknown command or argument 'seed-dmo'", error);
        Assert.Contains("seed-demo", error);
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("localhost", port));
    }

    [Fact]
    public async Task Executable_DbUpgradeCurrentHistory_OnAnEmptyDatabase_MigratesAndReports()
    {
        var database = new Dictionary<string, string> { ["ConnectionStrings:DeployGuard"] = await TestPostgres.CreateEmptyDatabaseAsync("cmd") };

        var upgrade = await AppProcess.RunCommandAsync(database, "db", "upgrade");
        var current = await AppProcess.RunCommandAsync(database, "db", "current");
        var history = await AppProcess.RunCommandAsync(database, "db", "history");
        var badTarget = await AppProcess.RunCommandAsync(database, "db", "downgrade", "no-such-migration");

        Assert.True(upgrade.ExitCode == 0, upgrade.Error);
        var head = current.Output.Trim();
        Assert.Matches(@"^\d{14}_\w+$", head);
        Assert.Equal($"Current revision: {head}", upgrade.Output.Trim());
        var lines = history.Output.Trim().Split('\n');
        Assert.Equal($"[x] {head}", lines[0]);
        Assert.All(lines, l => Assert.StartsWith("[x] ", l));
        Assert.Equal(WebCommands.UsageError, badTarget.ExitCode);
        Assert.StartsWith("error: ", badTarget.Error.Trim());
    }
}
