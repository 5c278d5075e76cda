using System.CommandLine;
using DeployGuard.Data.Postgres;

namespace DeployGuard.Web.Commands;

/// <summary>What a running command gets: the built app's services and configuration, and where to write.</summary>
internal sealed record CommandContext(WebApplication App, TextWriter Out, TextWriter Error)
{
    public IServiceProvider Services => App.Services;

    public IConfiguration Configuration => App.Configuration;

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();
}

/// <summary>Gives commands their action: the app is built when (and only when) the command runs, and stopped after.</summary>
internal sealed class CommandHost(Func<Task<WebApplication>> buildApp, TextWriter output, TextWriter error)
{
    public TextWriter Out => output;

    public TextWriter Error => error;

    /// <summary>
    /// Makes <paramref name="command"/> run <paramref name="action"/> on the built app. With <paramref name="migrated"/>,
    /// pending migrations are applied first, as the server would at start-up (for commands that need the current schema).
    /// </summary>
    public void Runs(Command command, Func<CommandContext, ParseResult, CancellationToken, Task<int>> action, bool migrated = false) =>
        command.SetAction(async (parse, ct) =>
        {
            var app = await buildApp();
            try
            {
                if (migrated)
                {
                    await app.MigrateDatabaseOnStartupAsync();
                }

                return await action(new CommandContext(app, output, error), parse, ct);
            }
            finally
            {
                if (app.Services.GetService<PostgresCluster>() is { } cluster)
                {
                    await cluster.StopAsync();
                }

                await app.DisposeAsync();
            }
        });
}
