using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace DeployGuard.Data.Migrations;

/// <summary>
/// What `dotnet ef` (the local tool in .config/dotnet-tools.json) builds the model with: the same options as the app,
/// with a connection string that is never opened (adding a migration and checking for model changes need no database).
/// </summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<ApplicationDbContext>
{
    public ApplicationDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ApplicationDbContext>();
        DependencyInjection.Configure(options, "Host=design-time.invalid;Database=deployguard");
        return new ApplicationDbContext(options.Options);
    }
}
