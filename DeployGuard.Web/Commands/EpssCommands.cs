using System.CommandLine;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;

namespace DeployGuard.Web.Commands;

/// <summary><c>epss import FILE</c>: FIRST's daily EPSS file into the database, as the operator (audited as the system).</summary>
internal static class EpssCommands
{
    public static Command Create(CommandHost host)
    {
        var file = new Argument<FileInfo>("file") { Description = "FIRST's epss_scores-YYYY-MM-DD.csv.gz (or the unpacked .csv)." };
        file.AcceptExistingOnly();
        var import = new Command("import", "Replace the EPSS scores with FIRST's daily file and re-score the open findings.") { file };
        host.Runs(import, async (context, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            await using var stream = path.OpenRead();
            var result = await context.Get<EpssImportService>().ImportAsync(stream, new Caller(null, "epss import (command line)", [Roles.Admin]), ct);
            if (!result.Succeeded)
            {
                await context.Error.WriteLineAsync($"error: {path.Name}: {result.Message}");
                return WebCommands.CheckFailed;
            }

            var r = result.Value!;
            await context.Out.WriteLineAsync($"Imported {r.Rows:N0} EPSS scores (model {r.ModelVersion ?? "unknown"}, " +
                $"{r.ScoreDate?.ToString("yyyy-MM-dd") ?? "no date"}) in {r.DurationMs / 1000.0:0.0} s; {r.FindingsRescored:N0} findings re-scored.");
            return WebCommands.Success;
        }, migrated: true);

        return new Command("epss", "EPSS scores (FIRST's exploit prediction) used by search, dashboards and gate policies.") { import };
    }
}
