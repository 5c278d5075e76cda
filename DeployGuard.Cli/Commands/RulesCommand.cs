using System.CommandLine;
using DeployGuard.Scanning.Contracts;

namespace DeployGuard.Cli.Commands;

internal static class RulesCommand
{
    public static Command Create(CliConsole console)
    {
        var config = CommandSupport.ConfigOption();
        var command = new Command("rules", "List the detection rules (built-in, or from --config).") { config };
        command.SetAction(parse => CommandSupport.GuardAsync(console, async () =>
        {
            var configuration = ScanRunner.LoadConfiguration(new ScanSettings(".", false, parse.GetValue(config), null, null, null));
            var width = configuration.Rules.Max(r => r.Id.Length);
            foreach (var rule in configuration.Rules)
            {
                await console.Out.WriteLineAsync($"{rule.Id.PadRight(width)}  {WireNames.Of(rule.Severity),-8}  {WireNames.Of(rule.SecretType),-17}  {rule.Description}");
            }

            await console.Out.WriteLineAsync($"{configuration.Rules.Count} rules.");
            return CliApp.Success;
        }));
        return command;
    }
}
