using DeployGuard.Web.Components.Layout;
using MudBlazor;
using MudBlazor.Services;

namespace DeployGuard.Web.Components.Shared;

internal static class UiKit
{
    /// <summary>MudBlazor and the app's kit on top of it (Notify, Confirm, LiveEvents, the theme of the circuit).</summary>
    public static IServiceCollection AddUiKit(this IServiceCollection services)
    {
        services.AddMudServices(o =>
        {
            // Bottom right: clear of the page header's actions and of the stage cards at the top of a deployment.
            o.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.VisibleStateDuration = 5000;
            o.SnackbarConfiguration.ShowCloseIcon = true;
        });
        services.AddScoped<ThemeState>();
        services.AddScoped<Notify>();
        services.AddScoped<Confirm>();
        services.AddSingleton<LiveEvents>();
        return services;
    }
}
