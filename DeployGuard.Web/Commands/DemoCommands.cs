using System.CommandLine;
using DeployGuard.Data.Services.Users;

namespace DeployGuard.Web.Commands;

/// <summary><c>seed-demo</c>.</summary>
internal static class DemoCommands
{
    public static Command Create(CommandHost host)
    {
        var seed = new Command("seed-demo",
            "Create demo teams, users, services, environments, releases, a deployment history and a scanned repository (idempotent).");
        host.Runs(seed, async (context, _, _) =>
        {
            await context.Get<RoleSeeder>().EnsureRolesAsync();
            await DemoSeeder.SeedAsync(context.Services);
            return WebCommands.Success;
        }, migrated: true);
        return seed;
    }
}
