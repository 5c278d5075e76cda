using System.CommandLine;
using DeployGuard.Scanning.Contracts;

namespace DeployGuard.Cli.Commands;

internal static class UploadCommand
{
    public static Command Create(CliConsole console)
    {
        var server = CommandSupport.ServerOption();
        var token = CommandSupport.TokenOption();
        var input = new Option<string?>("--input", "-i") { Description = "Upload this report ('deployguard scan --format json -o FILE') instead of scanning now." };
        var service = new Option<string?>("--service") { Description = "DeployGuard service the scan belongs to (for the deployment security gate)." };
        var path = CommandSupport.PathArgument();
        var history = CommandSupport.HistoryOption();
        var config = CommandSupport.ConfigOption();
        var baseline = CommandSupport.BaselineOption();

        var command = new Command("upload", "Send scan results (hashes and redacted previews only) to a DeployGuard server.")
        {
            server, token, input, service, path, history, config, baseline,
        };
        command.SetAction((parse, ct) => CommandSupport.GuardAsync(console, async () =>
        {
            var client = ServerClient.Create(parse.GetValue(server), parse.GetValue(token), tokenRequired: true);
            var report = parse.GetValue(input) is { } file
                ? ScanRunner.ReadReport(file)
                : await ScanRunner.RunAsync(CommandSupport.Settings(parse, path, history, config, baseline), console, ct);
            if (parse.GetValue(service) is { } name)
            {
                report = report with { Service = name };
            }

            var errors = ContractValidation.Validate(report);
            if (errors.Count > 0)
            {
                throw new FormatException("The report is not valid: " + string.Join(" ", errors));
            }

            var response = await client.UploadAsync(report, ct);
            await console.Out.WriteLineAsync($"Uploaded scan {response.ScanId}: {response.FindingsReceived} finding(s).{(response.Url is null ? "" : " " + response.Url)}");
            return CliApp.Success;
        }));
        return command;
    }
}
