using DeployGuard.Web;
using DeployGuard.Web.Commands;

// A bad setting ends the program here with one line naming its key (SettingsCheck).
return await SettingsCheck.GuardAsync(async () =>
{
    // `DeployGuard.Web db upgrade`, `audit verify`, `seed-demo` ... run a command instead of the server (WebCommands).
    if (WebCommands.IsCommand(args))
    {
        return await WebCommands.RunAsync(args, () => BuildAsync([]));
    }

    var app = await BuildAsync(args);
    await app.MigrateDatabaseOnStartupAsync();

    app.UseWebPipeline();
    app.MapWebEndpoints();

    await app.RunAsync();
    return 0;
});

static async Task<WebApplication> BuildAsync(string[] hostArgs)
{
    var builder = WebApplication.CreateBuilder(hostArgs);
    await builder.AddDatabaseAsync();
    builder.AddWebServices();
    var app = builder.Build();
    await app.ValidateSettingsAsync();
    return app;
}

/// <summary>Entry point marker for WebApplicationFactory in the tests.</summary>
public partial class Program;
