using DeployGuard.Data.Services.Common;
using MudBlazor;
using Npgsql;

namespace DeployGuard.Web.Components.Shared;

/// <summary>
/// What a person is told after an action, as a snackbar: one place for "Team deleted" and "The team could not be
/// deleted: …", including the database not answering. Pages inject it instead of building messages themselves.
/// </summary>
public sealed class Notify(ISnackbar snackbar)
{
    /// <summary>The exceptions that mean "the database is down or slow", not a bug: shown, not thrown.</summary>
    public static bool IsUnavailable(Exception exception) => exception is NpgsqlException or TimeoutException;

    /// <summary>"Teams could not be loaded: the database did not answer. Try again in a moment."</summary>
    public static string Unavailable(string failed) => $"{failed}: the database did not answer. Try again in a moment.";

    public void Success(string message) => snackbar.Add(message, Severity.Success);

    public void Info(string message, string? actionText = null, Func<Task>? action = null) =>
        snackbar.Add(message, Severity.Info, options =>
        {
            if (actionText is not null && action is not null)
            {
                options.Action = actionText;
                options.OnClick = _ => action();
            }
        });

    /// <summary>Errors stay until read (they explain why nothing changed).</summary>
    public void Error(string message) => snackbar.Add(message, Severity.Error, options => options.RequireInteraction = true);

    /// <summary>
    /// Tells the outcome of an operation: <paramref name="done"/> when it succeeded, otherwise
    /// "<paramref name="failed"/>: <i>the service's reason</i>". With <paramref name="form"/>, field errors are left to the
    /// form (ServerValidator shows them next to their fields) and only errors without a field are told. Returns whether
    /// it succeeded.
    /// </summary>
    public bool Result<T>(Result<T> result, string done, string failed, bool form = false)
    {
        if (result.Succeeded)
        {
            Success(done);
            return true;
        }

        if (form && result.Status == ResultStatus.Invalid && result.Errors.Keys.All(k => k.Length > 0))
        {
            return false;
        }

        Error(string.IsNullOrWhiteSpace(result.Message) ? failed + "." : $"{failed}: {result.Message}");
        return false;
    }

    /// <summary>
    /// Runs an operation and tells its outcome (see <see cref="Result{T}"/>); when the database does not answer, says so
    /// and returns null instead of throwing.
    /// </summary>
    public async Task<Result<T>?> RunAsync<T>(Func<Task<Result<T>>> operation, string done, string failed, bool form = false)
    {
        try
        {
            var result = await operation();
            Result(result, done, failed, form);
            return result;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Error(Unavailable(failed));
            return null;
        }
    }
}
