using System.CommandLine;
using DeployGuard.Data.Services.Audit;

namespace DeployGuard.Web.Commands;

/// <summary><c>audit verify|generate</c>.</summary>
internal static class AuditCommands
{
    public static Command Create(CommandHost host)
    {
        var verify = new Command("verify", "Recompute the audit hash chain; report the first broken link (exit 1 when broken).");
        host.Runs(verify, async (context, _, ct) =>
        {
            var result = await context.Get<AuditChainVerifier>()
                .VerifyAsync(new Progress<long>(n => context.Error.WriteLine($"  checked {n:N0} rows")), ct);
            if (result.Intact)
            {
                await context.Out.WriteLineAsync($"Audit chain intact: {result.RowsChecked:N0} rows verified in {result.Elapsed.TotalSeconds:F1} s.");
                return WebCommands.Success;
            }

            await context.Out.WriteLineAsync($"Audit chain BROKEN at row {result.FirstBrokenId}: {result.Problem}");
            return WebCommands.CheckFailed;
        }, migrated: true);

        var count = new Argument<int>("count") { Description = "How many synthetic rows to append." };
        count.Validators.Add(r =>
        {
            // A word that is no number gets System.CommandLine's own "cannot parse" error.
            if (int.TryParse(r.Tokens.SingleOrDefault()?.Value, out var n) && n <= 0)
            {
                r.AddError("count must be a positive number.");
            }
        });
        var generate = new Command("generate", "Append synthetic audit rows through the real chain trigger (for benchmarks).") { count };
        host.Runs(generate, async (context, parse, _) =>
        {
            await AuditGenerator.GenerateAsync(context.Services, parse.GetValue(count));
            return WebCommands.Success;
        }, migrated: true);

        return new Command("audit", "The audit log's hash chain.") { verify, generate };
    }
}
