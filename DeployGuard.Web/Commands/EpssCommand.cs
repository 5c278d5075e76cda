using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;

namespace DeployGuard.Web.Commands;

/// <summary><c>epss import FILE</c>: FIRST's daily EPSS file into the database, as the operator (audited as the system).</summary>
internal static class EpssCommand
{
    public static async Task<int> ImportAsync(IServiceProvider services, string file)
    {
        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"error: {file} does not exist. Download it from https://epss.empiricalsecurity.com/ (epss_scores-YYYY-MM-DD.csv.gz).");
            return 2;
        }

        await using var stream = File.OpenRead(file);
        var result = await services.GetRequiredService<EpssImportService>().ImportAsync(stream, new Caller(null, "epss import (command line)", [Roles.Admin]));
        if (!result.Succeeded)
        {
            await Console.Error.WriteLineAsync($"error: {result.Message}");
            return 1;
        }

        var r = result.Value!;
        Console.WriteLine($"Imported {r.Rows:N0} EPSS scores (model {r.ModelVersion ?? "unknown"}, {r.ScoreDate?.ToString("yyyy-MM-dd") ?? "no date"}) " +
                          $"in {r.DurationMs / 1000.0:0.0} s; {r.FindingsRescored:N0} findings re-scored.");
        return 0;
    }
}
