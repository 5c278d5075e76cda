using System.CommandLine;
using System.Text.Json;

namespace DeployGuard.Cli.Commands;

/// <summary><c>deployguard report upload FILE</c>: another scanner's JSON report (Trivy, Grype, SARIF, CycloneDX, gitleaks, TruffleHog) to the server.</summary>
internal static class ReportCommand
{
    public static Command Create(CliConsole console)
    {
        var server = CommandSupport.ServerOption();
        var token = CommandSupport.TokenOption();
        var file = new Argument<FileInfo>("file") { Description = "The scanner's JSON report; the server detects the format from the content." };
        file.AcceptExistingOnly();
        var service = new Option<string?>("--service") { Description = "DeployGuard service the scanned code or image belongs to (for its deployment gates)." };
        var commit = new Option<string?>("--commit") { Description = "The commit that was scanned (so a release of it is judged on this scan)." };
        var scanType = new Option<string?>("--scan-type") { Description = "git_repo, container, vm, sbom or k8s (default: from the report)." };
        var target = new Option<string?>("--target") { Description = "What was scanned (default: what the report names)." };
        var upload = new Command("upload", "Import a scanner report: prints the findings, how many are new, unchanged and fixed, and by severity.")
        {
            file, server, token, service, commit, scanType, target,
        };
        upload.SetAction((parse, ct) => CommandSupport.GuardAsync(console, async () =>
        {
            var client = ServerClient.Create(parse.GetValue(server), parse.GetValue(token), tokenRequired: true);
            var answer = await client.ImportReportAsync(parse.GetValue(file)!.FullName, new Dictionary<string, string?>
            {
                ["service"] = parse.GetValue(service), ["commit"] = parse.GetValue(commit), ["scan_type"] = parse.GetValue(scanType), ["target"] = parse.GetValue(target),
            }, ct);
            var severities = answer.TryGetProperty("by_severity", out var by) && by.ValueKind == JsonValueKind.Object
                ? string.Join(", ", by.EnumerateObject().Select(p => $"{p.Name} {p.Value.GetInt32()}"))
                : "";
            await console.Out.WriteLineAsync(
                $"Imported {Text(answer, "format")} report as scan {Text(answer, "scan_id")}: {Number(answer, "results_in_report")} result(s) in the report, " +
                $"{Number(answer, "findings")} finding(s): {Number(answer, "new")} new, {Number(answer, "unchanged")} unchanged, {Number(answer, "reopened")} reopened, " +
                $"{Number(answer, "fixed")} fixed.{(severities.Length > 0 ? $" By severity: {severities}." : "")} {Text(answer, "url")}".TrimEnd());
            return CliApp.Success;
        }));
        return new Command("report", "Scanner reports from other tools.") { upload };
    }

    private static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "";

    private static int Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
}
