using DeployGuard.Web;
using DeployGuard.Web.Commands;

// `deployguard-web db upgrade`, `audit verify`, `seed-demo` ... run a command instead of the server.
var (commandArgs, hostArgs) = CommandRunner.Split(args);

var builder = WebApplication.CreateBuilder(hostArgs);

if (!await builder.AddDatabaseAsync())
{
    return 1;
}

builder.AddWebServices();

var app = builder.Build();

if (commandArgs.Length > 0)
{
    return await CommandRunner.RunAsync(app, commandArgs);
}

await app.MigrateDatabaseOnStartupAsync();

app.UseWebPipeline();
app.MapWebEndpoints();

await app.RunAsync();
return 0;

/// <summary>Entry point marker for WebApplicationFactory in the tests.</summary>
public partial class Program;
