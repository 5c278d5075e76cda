using DeployGuard.Web.Components.Layout;
using MudBlazor;
using MudBlazor.Services;

namespace DeployGuard.Web.Components.Shared;

internal static class UiKit
{
    /// <summary>MudBlazor and the app's kit on top of it (Notify, Confirm, LiveEvents, the theme of the circuit).</summary>
    public static IServiceCollection AddUiKit(this IServiceCollection services)
    {
        services.AddMudServices(o => ConfigureSnackbars(o.SnackbarConfiguration));
        services.AddScoped<ThemeState>();
        services.AddScoped<Notify>();
        services.AddScoped<Confirm>();
        services.AddSingleton<LiveEvents>();
        return services;
    }

    /// <summary>
    /// Where toasts go and how many: one at a time, in the app bar after the brand (app.css places and sizes it in the space
    /// before the theme and user buttons), the one strip of the screen with no working content on any page. At the
    /// bottom right the toast covered the deployment page's gate card and the last rows of lists for its four seconds.
    /// More wait their turn, the same message never twice, gone after a few seconds. Errors stay until closed (they say
    /// why nothing changed) but leave with the page they are about (Notify).
    /// </summary>
    public static void ConfigureSnackbars(SnackbarConfiguration snackbars)
    {
        snackbars.PositionClass = Defaults.Classes.Position.TopLeft;
        snackbars.NewestOnTop = false;
        // A second toast would hang below the app bar, over the page.
        snackbars.MaxDisplayedSnackbars = 1;
        snackbars.PreventDuplicates = true;
        snackbars.VisibleStateDuration = 4000;
        snackbars.ShowTransitionDuration = 200;
        snackbars.HideTransitionDuration = 200;
        snackbars.ShowCloseIcon = true;
    }
}
