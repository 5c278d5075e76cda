using System.CommandLine;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Web.Audit;

namespace DeployGuard.Web.Commands;

/// <summary><c>audit verify|public-key|checkpoint|generate</c>.</summary>
internal static class AuditCommands
{
    public static Command Create(CommandHost host)
    {
        var checkpoints = new Option<string?>("--checkpoints")
        {
            Description = "A folder of checkpoint files (JSON lines) to hold the chain against; default: the database's and the app's own.",
        };
        var publicKey = new Option<string?>("--public-key")
        {
            Description = "A PEM public key to verify signatures with; with --checkpoints, a third party's copies: the app's key is not read.",
        };
        var verify = new Command("verify",
            "Recompute the audit hash chain and hold it against the signed checkpoints; report the first row that can no longer be trusted (exit 1).")
        {
            checkpoints, publicKey,
        };
        host.Runs(verify, async (context, parse, ct) =>
            await VerifyAsync(context, parse.GetValue(checkpoints), parse.GetValue(publicKey)), migrated: true);

        var publicKeyCommand = new Command("public-key", "Print the public key that checkpoint signatures verify with (PEM).");
        host.Runs(publicKeyCommand, async (context, _, _) =>
        {
            await context.Out.WriteAsync(context.Get<AuditSigningKey>().PublicKeyPem);
            return WebCommands.Success;
        });

        var checkpoint = new Command("checkpoint", "Sign a checkpoint of the chain's head now.");
        host.Runs(checkpoint, async (context, _, _) =>
        {
            var signed = await context.Get<AuditCheckpointer>().CheckpointNowAsync();
            await context.Out.WriteLineAsync(signed is null
                ? "Nothing to sign: no audit row was appended since the last checkpoint."
                : $"Signed checkpoint #{signed.Sequence} at row {signed.RowId}.");
            return WebCommands.Success;
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

        return new Command("audit", "The audit log's hash chain and its signed checkpoints.") { verify, publicKeyCommand, checkpoint, generate };
    }

    private static async Task<int> VerifyAsync(CommandContext context, string? checkpoints, string? publicKeyFile)
    {
        using var publicKey = publicKeyFile is null ? null : AuditTrailVerifier.ReadPublicKey(publicKeyFile);
        var result = await context.Get<AuditTrailVerifier>().VerifyAsync(checkpoints is null ? null : Path.GetFullPath(checkpoints),
            publicKey, new Progress<long>(n => context.Error.WriteLine($"  checked {n:N0} rows")));
        var output = context.Out;
        if (result.Intact)
        {
            await output.WriteLineAsync($"Audit chain intact: {result.RowsChecked:N0} rows verified in {result.Elapsed.TotalSeconds:F1} s.");
            await output.WriteLineAsync(result.LastMatching is { } last
                ? $"Signed checkpoints: {result.CheckpointsChecked} verified; the newest, #{last.Sequence} of {CheckpointFormat.Time(last.CreatedAt)}, " +
                  $"signs row {last.RowId}; {result.UnsignedRows:N0} row(s) appended since are chained but not signed yet."
                : "No signed checkpoint yet: the chain is only consistent with itself (a database superuser could rewrite it unnoticed).");
            return WebCommands.Success;
        }

        if (result.FirstBrokenId is { } broken)
        {
            await output.WriteLineAsync($"Audit chain BROKEN at row {broken}: {result.Problem}");
        }

        foreach (var problem in result.CheckpointProblems)
        {
            await output.WriteLineAsync($"Checkpoint check FAILED: {problem}");
        }

        if (result.FirstUntrustedRowId is { } untrusted)
        {
            await output.WriteLineAsync(result.LastMatching is { } good
                ? $"Rows 1 to {good.RowId} match signed checkpoint #{good.Sequence}; row {untrusted} is the first row that can no longer be trusted."
                : $"No signed checkpoint matches; row {untrusted} is the first row that can no longer be trusted.");
        }

        return WebCommands.CheckFailed;
    }
}
