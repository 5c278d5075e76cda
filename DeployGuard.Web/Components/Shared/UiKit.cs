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
    /// Where toasts go and how many: bottom right, clear of the page header's actions, the filters at the top of a list
    /// and the stage cards at the top of a deployment; at most three at once (more wait their turn), the same message
    /// never twice, and gone after a few seconds. Errors stay until closed (they say why nothing changed) but leave with
    /// the page they are about (Notify). The layout keeps room below the last control so a toast never hides it for good.
    /// </summary>
    public static void ConfigureSnackbars(SnackbarConfiguration snackbars)
    {
        snackbars.PositionClass = Defaults.Classes.Position.BottomRight;
        snackbars.NewestOnTop = false;
        snackbars.MaxDisplayedSnackbars = 3;
        snackbars.PreventDuplicates = true;
        snackbars.VisibleStateDuration = 4000;
        snackbars.ShowTransitionDuration = 200;
        snackbars.HideTransitionDuration = 200;
        snackbars.ShowCloseIcon = true;
    }
}
