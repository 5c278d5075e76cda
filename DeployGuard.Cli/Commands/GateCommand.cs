using System.CommandLine;
using System.Text.Json;

namespace DeployGuard.Cli.Commands;

/// <summary>
/// <c>deployguard gate --service S --environment E --commit C</c>: the environment's security policy judged by the server,
/// for CI pipelines outside DeployGuard. Exit 0 approve, 1 block, 2 warn; 3 when the server could not be asked (so a
/// broken connection never reads as "warn").
/// </summary>
internal static class GateCommand
{
    public const int Approve = 0;
    public const int Block = 1;
    public const int Warn = 2;
    public const int NotAsked = 3;

    public static Command Create(CliConsole console)
    {
        var server = CommandSupport.ServerOption();
        var token = CommandSupport.TokenOption();
        var service = new Option<string>("--service") { Description = "Service name (or id).", Required = true };
        var environment = new Option<string>("--environment", "-e") { Description = "Environment name (or id).", Required = true };
        var commit = new Option<string?>("--commit") { Description = "The commit to judge (default: the service's latest scans)." };
        var command = new Command("gate", "Ask the security gate: exit 0 approve, 1 block, 2 warn (3: the server could not be asked).")
        {
            server, token, service, environment, commit,
        };
        command.SetAction((parse, ct) => CommandSupport.GuardAsync(console, async () =>
        {
            var client = ServerClient.Create(parse.GetValue(server), parse.GetValue(token), tokenRequired: true);
            var answer = await client.GateAsync(parse.GetValue(service)!, parse.GetValue(environment)!, parse.GetValue(commit), ct);
            var decision = answer.TryGetProperty("decision", out var d) ? d.GetString() : null;
            var reasoning = answer.TryGetProperty("reasoning", out var r) ? r.GetString() : null;
            var version = answer.TryGetProperty("policyVersion", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
            await console.Out.WriteLineAsync($"{decision?.ToUpperInvariant()} ({parse.GetValue(service)} → {parse.GetValue(environment)}, policy v{version})");
            if (!string.IsNullOrWhiteSpace(reasoning))
            {
                await console.Out.WriteLineAsync(reasoning);
            }

            return decision switch
            {
                "approve" => Approve,
                "reject" => Block,
                "warn" => Warn,
                _ => throw new ServerException($"The server answered an unknown decision '{decision}'."),
            };
        }, errorExit: NotAsked));
        return command;
    }
}
