using DeployGuard.Data.Services.Common;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using MudBlazor;
using Npgsql;

namespace DeployGuard.Web.Components.Shared;

/// <summary>
/// What a person is told after an action, as a snackbar: one place for "Team deleted" and "The team could not be
/// deleted: …", including the database not answering. Pages inject it instead of building messages themselves.
/// Where and how long toasts show is UiKit.ConfigureSnackbars.
/// </summary>
public sealed class Notify : IDisposable
{
    private readonly ISnackbar snackbar;
    private readonly NavigationManager navigation;
    // Errors stay until closed, but only on the page they are about: leaving it (another path, not a changed query such as
    // a list's filter) takes them away. Successes are not tied to a page: many announce the navigation that follows them
    // ("Service saved", then the service's page), and they go by themselves after a few seconds.
    private readonly List<(Snackbar Toast, string Path)> errors = [];

    public Notify(ISnackbar snackbar, NavigationManager navigation)
    {
        this.snackbar = snackbar;
        this.navigation = navigation;
        navigation.LocationChanged += OnLocationChanged;
    }

    /// <summary>The exceptions that mean "the database is down or slow", not a bug: shown, not thrown.</summary>
    public static bool IsUnavailable(Exception exception) => exception is NpgsqlException or TimeoutException;

    /// <summary>"Teams could not be loaded: the database did not answer. Try again in a moment."</summary>
    public static string Unavailable(string failed) => $"{failed}: the database did not answer. Try again in a moment.";

    public void Success(string message)
    {
        DismissErrors();
        snackbar.Add(message, Severity.Success);
    }

    public void Info(string message, string? actionText = null, Func<Task>? action = null)
    {
        DismissErrors();
        snackbar.Add(message, Severity.Info, options =>
        {
            if (actionText is not null && action is not null)
            {
                options.Action = actionText;
                options.OnClick = _ => action();
            }
        });
    }

    /// <summary>Errors stay until read (they explain why nothing changed), or until the person leaves the page.</summary>
    public void Error(string message)
    {
        DismissErrors();
        if (snackbar.Add(message, Severity.Error, options => options.RequireInteraction = true) is { } toast)
        {
            lock (errors)
            {
                errors.Add((toast, PathOf(navigation.Uri)));
            }
        }
    }

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e)
    {
        var path = PathOf(e.Location);
        List<Snackbar> left;
        lock (errors)
        {
            left = errors.Where(x => x.Path != path).Select(x => x.Toast).ToList();
            errors.RemoveAll(x => x.Path != path);
        }

        foreach (var toast in left)
        {
            snackbar.Remove(toast);
        }
    }

    // Toasts show one at a time (UiKit.ConfigureSnackbars): an error waiting to be closed would hold back what the person
    // did next ("Saved" after a failed try), so a newer outcome takes its place.
    private void DismissErrors()
    {
        List<Snackbar> shown;
        lock (errors)
        {
            shown = errors.Select(x => x.Toast).ToList();
            errors.Clear();
        }

        foreach (var toast in shown)
        {
            snackbar.Remove(toast);
        }
    }

    private static string PathOf(string uri) => new Uri(uri).AbsolutePath;

    public void Dispose() => navigation.LocationChanged -= OnLocationChanged;

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
