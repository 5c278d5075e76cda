using DeployGuard.Data.Postgres;
using DeployGuard.Data.Settings;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web;

/// <summary>A bad setting stops the app before it serves or runs anything, with one line per problem naming the key.</summary>
internal static class SettingsCheck
{
    public const int ExitCode = 2;

    /// <summary>Validates every <c>AddValidatedOptions</c> section now (the server would at start; commands never start it).</summary>
    public static void ValidateSettings(this WebApplication app) => app.Services.GetService<IStartupValidator>()?.Validate();

    /// <summary>Runs the program; a start-up stopped by settings prints its failures (no stack trace) and exits with 2.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> program, TextWriter? error = null)
    {
        try
        {
            return await program();
        }
        catch (Exception e) when (ValidatedOptions.Failures(e) is { } failures)
        {
            error ??= Console.Error;
            foreach (var failure in failures)
            {
                await error.WriteLineAsync($"DeployGuard cannot start: {failure}");
            }

            return ExitCode;
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.InsufficientPrivilege)
        {
            // Typically `db upgrade` given only the run-time role, which may not change the schema (docs/security.md).
            await (error ?? Console.Error).WriteLineAsync(
                $"error: the database refused: {e.MessageText}. Migrations run as the schema owner: set MIGRATIONS_DATABASE_URL " +
                "or ConnectionStrings__Migrations (docs/security.md#database-roles).");
            return 1;
        }
        catch (EmbeddedDatabaseException e)
        {
            // A reason the user can fix (a data folder the postgres user cannot reach, a port in use): one line, no dump.
            await (error ?? Console.Error).WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (AppDirectoryException e)
        {
            await (error ?? Console.Error).WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            // Kestrel's "Failed to bind to address http://...: address already in use."
            await (error ?? Console.Error).WriteLineAsync(
                $"error: {e.Message} Choose another address with --urls or ASPNETCORE_URLS.");
            return 1;
        }
    }
}
