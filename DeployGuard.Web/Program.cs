using DeployGuard.Web;
using DeployGuard.Web.Commands;

// A bad setting ends the program here with one line naming its key (SettingsCheck).
return await SettingsCheck.GuardAsync(async () =>
{
    // `DeployGuard.Web db upgrade`, `audit verify`, `seed-demo` ... run a command instead of the server (WebCommands).
    if (WebCommands.IsCommand(args))
    {
        return await WebCommands.RunAsync(args, () => BuildAsync([], commandMode: true));
    }

    var app = await BuildAsync(args);
    await app.MigrateDatabaseOnStartupAsync();

    app.UseWebPipeline();
    app.MapWebEndpoints();

    await app.RunAsync();
    return 0;
});

static async Task<WebApplication> BuildAsync(string[] hostArgs, bool commandMode = false)
{
    var builder = WebApplication.CreateBuilder(hostArgs);
    if (commandMode)
    {
        // A command's stdout is its result (a token, a link, a revision): every log line goes to stderr.
        // (the embedded cluster's start-up logger reads the same Logging section).
        builder.Configuration["Logging:Console:LogToStandardErrorThreshold"] = nameof(LogLevel.Trace);
    }

    await builder.AddDatabaseAsync();
    builder.AddWebServices();
    var app = builder.Build();
    await app.ValidateSettingsAsync();
    return app;
}

/// <summary>Entry point marker for WebApplicationFactory in the tests.</summary>
public partial class Program;
