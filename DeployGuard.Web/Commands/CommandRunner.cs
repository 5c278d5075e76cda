using DeployGuard.Data.Migrations;
using DeployGuard.Data.Postgres;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Web.Audit;

namespace DeployGuard.Web.Commands;

/// <summary>
/// Command mode of the web app (seed 01's Alembic commands and a few operations tools). Used by
/// docker-compose and the Kubernetes init container: <c>DeployGuard.Web db upgrade</c>.
/// </summary>
internal static class CommandRunner
{
    private static readonly HashSet<string> Commands = ["db", "audit", "seed-demo", "help", "--help"];

    public const string Usage = """
        DeployGuard.Web [command]
          (no command)               run the web server
          db upgrade [target]        apply migrations up to target (default: head)
          db downgrade <target>      revert to target: a migration id or name, -1 (one step) or base (everything)
          db current                 show the current migration
          db history                 list migrations, marking those applied
          db script [from] [to]      print the SQL of the migrations (idempotent)
          audit verify [--checkpoints DIR] [--public-key FILE]
                                     check the audit hash chain and hold it against the signed checkpoints
                                     (default: the database's and the app's checkpoint files, the app's key);
                                     with both options a third party's copies and key: the app's key is not read
          audit public-key           print the public key that checkpoint signatures verify with (PEM)
          audit checkpoint           sign a checkpoint of the chain's head now
          audit generate <count>     append <count> synthetic audit rows (benchmarks)
          seed-demo                  create demo teams, users, services and environments (idempotent)
        """;

    /// <summary>Options that belong to a command (with their value), not to the host.</summary>
    private static readonly HashSet<string> CommandOptions = ["--checkpoints", "--public-key"];

    /// <summary>Separates a command (first argument) from host arguments (--urls=..., key=value).</summary>
    public static (string[] Command, string[] Host) Split(string[] args)
    {
        if (args.Length == 0 || !Commands.Contains(args[0]))
        {
            return ([], args);
        }

        var length = 0;
        while (length < args.Length)
        {
            var arg = args[length];
            if (CommandOptions.Contains(arg) && length + 1 < args.Length)
            {
                length += 2;
            }
            else if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--help")
            {
                length++;
            }
            else
            {
                break;
            }
        }

        return (args[..length], args[length..]);
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

    /// <summary>--name value pairs (only the known ones); null when something else is there.</summary>
    private static Dictionary<string, string>? Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!CommandOptions.Contains(args[i]) || i + 1 >= args.Length)
            {
                return null;
            }

            options[args[i]] = args[i + 1];
        }

        return options;
    }

    private static async Task<int> VerifyAuditAsync(IServiceProvider services, string? checkpoints, string? publicKeyFile)
    {
        using var publicKey = publicKeyFile is null ? null : AuditTrailVerifier.ReadPublicKey(publicKeyFile);
        var result = await services.GetRequiredService<AuditTrailVerifier>().VerifyAsync(checkpoints is null ? null : Path.GetFullPath(checkpoints),
            publicKey, new Progress<long>(n => Console.Error.WriteLine($"  checked {n:N0} rows")));
        if (result.Intact)
        {
            Console.WriteLine($"Audit chain intact: {result.RowsChecked:N0} rows verified in {result.Elapsed.TotalSeconds:F1} s.");
            Console.WriteLine(result.LastMatching is { } last
                ? $"Signed checkpoints: {result.CheckpointsChecked} verified; the newest, #{last.Sequence} of {CheckpointFormat.Time(last.CreatedAt)}, " +
                  $"signs row {last.RowId}; {result.UnsignedRows:N0} row(s) appended since are chained but not signed yet."
                : "No signed checkpoint yet: the chain is only consistent with itself (a database superuser could rewrite it unnoticed).");
            return 0;
        }

        if (result.FirstBrokenId is { } broken)
        {
            Console.WriteLine($"Audit chain BROKEN at row {broken}: {result.Problem}");
        }

        foreach (var problem in result.CheckpointProblems)
        {
            Console.WriteLine($"Checkpoint check FAILED: {problem}");
        }

        if (result.FirstUntrustedRowId is { } untrusted)
        {
            Console.WriteLine(result.LastMatching is { } good
                ? $"Rows 1 to {good.RowId} match signed checkpoint #{good.Sequence}; row {untrusted} is the first row that can no longer be trusted."
                : $"No signed checkpoint matches; row {untrusted} is the first row that can no longer be trusted.");
        }

        return 1;
    }

    private static async Task<int> DispatchAsync(WebApplication app, string[] args)
    {
        var services = app.Services;
        if (args[0] is "seed-demo" or "audit")
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
            case ["audit", "verify", .. var verifyOptions] when Options(verifyOptions) is { } given:
                return await VerifyAuditAsync(services, given.GetValueOrDefault("--checkpoints"), given.GetValueOrDefault("--public-key"));
            case ["audit", "public-key"]:
                Console.Write(services.GetRequiredService<AuditSigningKey>().PublicKeyPem);
                return 0;
            case ["audit", "checkpoint"]:
                var signed = await services.GetRequiredService<AuditCheckpointer>().CheckpointNowAsync();
                Console.WriteLine(signed is null
                    ? "Nothing to sign: no audit row was appended since the last checkpoint."
                    : $"Signed checkpoint #{signed.Sequence} at row {signed.RowId}.");
                return 0;
            case ["audit", "generate", var countText] when int.TryParse(countText, out var count) && count > 0:
                await AuditGenerator.GenerateAsync(services, count);
                return 0;
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
