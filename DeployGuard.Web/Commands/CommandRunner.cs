using DeployGuard.Data.Migrations;
using DeployGuard.Data.Postgres;
using DeployGuard.Data.Services.Audit;

namespace DeployGuard.Web.Commands;

/// <summary>
/// Command mode of the web app (seed 01's Alembic commands and a few operations tools). Used by
/// docker-compose and the Kubernetes init container: <c>DeployGuard.Web db upgrade</c>.
/// </summary>
internal static class CommandRunner
{
    private static readonly HashSet<string> Commands = ["db", "audit", "epss", "seed-demo", "help", "--help"];

    public const string Usage = """
        DeployGuard.Web [command]
          (no command)               run the web server
          db upgrade [target]        apply migrations up to target (default: head)
          db downgrade <target>      revert to target: a migration id or name, -1 (one step) or base (everything)
          db current                 show the current migration
          db history                 list migrations, marking those applied
          db script [from] [to]      print the SQL of the migrations (idempotent)
          audit verify               check the audit hash chain, report the first broken link
          audit generate <count>     append <count> synthetic audit rows (benchmarks)
          epss import <file>         replace the EPSS scores with FIRST's daily epss_scores-YYYY-MM-DD.csv.gz (or .csv)
          seed-demo                  create demo teams, users, services and environments (idempotent)
        """;

    /// <summary>Separates a command (first argument) from host arguments (--urls=..., key=value).</summary>
    public static (string[] Command, string[] Host) Split(string[] args)
    {
        if (args.Length == 0 || !Commands.Contains(args[0]))
        {
            return ([], args);
        }

        var command = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal) || a == "--help").ToArray();
        return (command, args[command.Length..]);
    }

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        try
        {
            return await DispatchAsync(app, args);
        }
        catch (MigrationTargetException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        finally
        {
            if (app.Services.GetService<PostgresCluster>() is { } cluster)
            {
                await cluster.StopAsync();
            }
        }
    }

    private static async Task<int> DispatchAsync(WebApplication app, string[] args)
    {
        var services = app.Services;
        if (args[0] is "seed-demo" or "audit" or "epss")
        {
            // These work on the current schema: bring a fresh database up to date first, as the server would.
            await app.MigrateDatabaseOnStartupAsync();
        }

        var migrator = services.GetRequiredService<SchemaMigrator>();
        switch (args)
        {
            case ["db", "upgrade"]:
            case ["db", "upgrade", _]:
                var up = await migrator.UpgradeAsync(args.Length > 2 ? args[2] : null);
                await services.GetRequiredService<Data.Services.Users.RoleSeeder>().EnsureRolesAsync();
                Console.WriteLine($"Current revision: {up ?? "base"}");
                return 0;
            case ["db", "downgrade", var target]:
                var down = await migrator.DowngradeAsync(target);
                Console.WriteLine($"Current revision: {down ?? "base"}");
                return 0;
            case ["db", "current"]:
                Console.WriteLine(await migrator.CurrentAsync() ?? "base");
                return 0;
            case ["db", "history"]:
                var applied = (await migrator.AppliedAsync()).ToHashSet();
                foreach (var migration in (await migrator.AllAsync()).Reverse())
                {
                    Console.WriteLine($"{(applied.Contains(migration) ? "[x]" : "[ ]")} {migration}");
                }

                return 0;
            case ["db", "script", ..]:
                Console.WriteLine(await migrator.ScriptAsync(args.Length > 2 ? args[2] : null, args.Length > 3 ? args[3] : null));
                return 0;
            case ["audit", "verify"]:
                var result = await services.GetRequiredService<AuditChainVerifier>()
                    .VerifyAsync(new Progress<long>(n => Console.Error.WriteLine($"  checked {n:N0} rows")));
                if (result.Intact)
                {
                    Console.WriteLine($"Audit chain intact: {result.RowsChecked:N0} rows verified in {result.Elapsed.TotalSeconds:F1} s.");
                    return 0;
                }

                Console.WriteLine($"Audit chain BROKEN at row {result.FirstBrokenId}: {result.Problem}");
                return 1;
            case ["audit", "generate", var countText] when int.TryParse(countText, out var count) && count > 0:
                await AuditGenerator.GenerateAsync(services, count);
                return 0;
            case ["epss", "import", var file]:
                return await EpssCommand.ImportAsync(services, file);
            case ["seed-demo"]:
                await services.GetRequiredService<Data.Services.Users.RoleSeeder>().EnsureRolesAsync();
                await DemoSeeder.SeedAsync(services);
                return 0;
            default:
                Console.WriteLine(Usage);
                return args is ["help"] or ["--help"] ? 0 : 2;
        }
    }
}
