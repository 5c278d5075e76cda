using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;

namespace DeployGuard.Cli.Commands;

/// <summary>One triage decision from a decisions file; identifies a finding by hash or fingerprint.</summary>
internal sealed record Decision(string? SecretHash, string? Fingerprint, string Verdict, string? Reason);

/// <summary>The CLI's own JSON documents (source-generated: the CLI is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<Decision>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

internal static class FeedbackCommand
{
    public const string FalsePositive = "false_positive";
    public const string TruePositive = "true_positive";

    public static Command Create(CliConsole console)
    {
        var server = CommandSupport.ServerOption();
        var token = CommandSupport.TokenOption();
        var input = new Option<string>("--input", "-i") { Description = "The JSON report the decisions are about ('deployguard scan --format json -o FILE').", Required = true };
        var falsePositives = new Option<string[]>("--false-positive") { Description = "Secret hash or fingerprint of a finding that is not a secret (repeatable)." };
        var truePositives = new Option<string[]>("--true-positive") { Description = "Secret hash or fingerprint of a finding confirmed as a real secret (repeatable)." };
        var decisions = new Option<string?>("--decisions") { Description = "JSON file: [{\"secretHash\"|\"fingerprint\": ..., \"verdict\": \"false_positive\"|\"true_positive\", \"reason\": ...}]." };
        var reason = new Option<string?>("--reason") { Description = "Reason recorded with the --false-positive/--true-positive decisions." };
        var clientId = new Option<string?>("--client-id") { Description = "Override the anonymous client id (hashed before sending)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the JSON that would be sent, send nothing." };

        var command = new Command("feedback", "Send triage decisions (hash + value pattern, never values) so the server learns false-positive patterns.")
        {
            server, token, input, falsePositives, truePositives, decisions, reason, clientId, dryRun,
        };
        command.SetAction((parse, ct) => CommandSupport.GuardAsync(console, async () =>
        {
            var report = ScanRunner.ReadReport(parse.GetValue(input)!);
            var all = new List<Decision>();
            all.AddRange((parse.GetValue(falsePositives) ?? []).Select(id => new Decision(id, id, FalsePositive, parse.GetValue(reason))));
            all.AddRange((parse.GetValue(truePositives) ?? []).Select(id => new Decision(id, id, TruePositive, parse.GetValue(reason))));
            if (parse.GetValue(decisions) is { } file)
            {
                all.AddRange(JsonSerializer.Deserialize(await File.ReadAllTextAsync(file, ct), CliJsonContext.Default.ListDecision) ?? []);
            }

            var submission = Build(report, all, ClientIdentity.Resolve(parse.GetValue(clientId)));
            var errors = ContractValidation.Validate(submission);
            if (errors.Count > 0)
            {
                throw new FormatException("The feedback is not valid: " + string.Join(" ", errors));
            }

            if (parse.GetValue(dryRun))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(submission, ScanningJson.IndentedContext.FeedbackSubmission));
                return CliApp.Success;
            }

            var client = ServerClient.Create(parse.GetValue(server), parse.GetValue(token), tokenRequired: false);
            var response = await client.SendFeedbackAsync(submission, ct);
            await console.Out.WriteLineAsync($"Sent feedback {response.SubmissionId}: {response.ItemsAccepted} decision(s) ({submission.FalsePositives} false positive, {submission.ConfirmedSecrets} confirmed).");
            return CliApp.Success;
        }));
        return command;
    }

    internal static FeedbackSubmission Build(ScanReport report, IReadOnlyList<Decision> decisions, string clientId)
    {
        if (decisions.Count == 0)
        {
            throw new UsageException("Give at least one decision: --false-positive, --true-positive or --decisions.");
        }

        var items = new Dictionary<string, FeedbackItem>(StringComparer.Ordinal);
        foreach (var decision in decisions)
        {
            var verdict = decision.Verdict?.Trim().ToLowerInvariant();
            if (verdict is not (FalsePositive or TruePositive))
            {
                throw new FormatException($"Verdict '{decision.Verdict}' must be '{FalsePositive}' or '{TruePositive}'.");
            }

            var key = (decision.SecretHash ?? decision.Fingerprint ?? "").Trim().ToLowerInvariant();
            var finding = report.Findings.FirstOrDefault(f => f.SecretHash == key || f.Fingerprint == key)
                ?? throw new FormatException($"No finding in the report has the hash or fingerprint '{key}'.");
            items[finding.SecretHash] = new FeedbackItem
            {
                ValueHash = finding.SecretHash,
                ValuePattern = finding.ValuePattern,
                IsTruePositive = verdict == TruePositive,
                RuleId = finding.RuleId,
                Reason = decision.Reason,
            };
        }

        var list = items.Values.ToList();
        return new FeedbackSubmission
        {
            ClientId = clientId,
            Tool = new ToolInfo("deployguard", CliApp.Version),
            TotalDetected = report.Findings.Select(f => f.SecretHash).Distinct().Count(),
            ConfirmedSecrets = list.Count(i => i.IsTruePositive),
            FalsePositives = list.Count(i => !i.IsTruePositive),
            Items = list,
        };
    }
}
