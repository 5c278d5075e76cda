using System.CommandLine;
using DeployGuard.Data.Migrations;
using DeployGuard.Data.Services.Users;

namespace DeployGuard.Web.Commands;

/// <summary><c>db upgrade|downgrade|current|history|script</c>: seed 01's Alembic-style migration commands.</summary>
internal static class DbCommands
{
    public static Command Create(CommandHost host)
    {
        var upgradeTarget = new Argument<string?>("target") { Description = "Migration id or name to stop at (default: head).", Arity = ArgumentArity.ZeroOrOne };
        var upgrade = new Command("upgrade", "Apply migrations up to the target (default: head) and make sure the roles exist.") { upgradeTarget };
        host.Runs(upgrade, async (context, parse, ct) =>
        {
            var revision = await context.Get<SchemaMigrator>().UpgradeAsync(parse.GetValue(upgradeTarget), ct);
            await context.Get<RoleSeeder>().EnsureRolesAsync();
            await context.Out.WriteLineAsync($"Current revision: {revision ?? SchemaMigrator.Base}");
            return WebCommands.Success;
        });

        var downgradeTarget = new Argument<string>("target") { Description = "A migration id or name, -1 (one step back) or base (everything)." };
        var downgrade = new Command("downgrade", "Revert migrations down to the target.") { downgradeTarget };
        host.Runs(downgrade, async (context, parse, ct) =>
        {
            var revision = await context.Get<SchemaMigrator>().DowngradeAsync(parse.GetValue(downgradeTarget)!, ct);
            await context.Out.WriteLineAsync($"Current revision: {revision ?? SchemaMigrator.Base}");
            return WebCommands.Success;
        });

        var current = new Command("current", "Show the current migration.");
        host.Runs(current, async (context, _, ct) =>
        {
            await context.Out.WriteLineAsync(await context.Get<SchemaMigrator>().CurrentAsync(ct) ?? SchemaMigrator.Base);
            return WebCommands.Success;
        });

        var history = new Command("history", "List the migrations, newest first, marking those applied with [x].");
        host.Runs(history, async (context, _, ct) =>
        {
            var migrator = context.Get<SchemaMigrator>();
            var applied = (await migrator.AppliedAsync(ct)).ToHashSet();
            foreach (var migration in (await migrator.AllAsync(ct)).Reverse())
            {
                await context.Out.WriteLineAsync($"{(applied.Contains(migration) ? "[x]" : "[ ]")} {migration}");
            }

            return WebCommands.Success;
        });

        var from = new Argument<string?>("from") { Description = "Start after this migration (default: the beginning).", Arity = ArgumentArity.ZeroOrOne };
        var to = new Argument<string?>("to") { Description = "End with this migration (default: head).", Arity = ArgumentArity.ZeroOrOne };
        var script = new Command("script", "Print the SQL of the migrations (idempotent), for a DBA to review or run.") { from, to };
        host.Runs(script, async (context, parse, _) =>
        {
            await context.Out.WriteLineAsync(await context.Get<SchemaMigrator>().ScriptAsync(parse.GetValue(from), parse.GetValue(to)));
            return WebCommands.Success;
        });

        return new Command("db", "Database schema migrations.") { upgrade, downgrade, current, history, script };
    }
}
