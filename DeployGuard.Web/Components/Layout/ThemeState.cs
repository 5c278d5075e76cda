using Microsoft.JSInterop;

namespace DeployGuard.Web.Components.Layout;

/// <summary>
/// The theme chosen for this circuit: "light", "dark" or "system". App.razor reads the dg-theme cookie (so the first
/// paint is right) and hands it to Routes; the theme switch and the preferences page change it here, and the layout's
/// MudThemeProvider follows. The cookie keeps the static account pages in line.
/// </summary>
public sealed class ThemeState(IJSRuntime js)
{
    public const string CookieName = "dg-theme";

    /// <summary>Set by js/theme.js: whether the browser prefers dark, so "system" paints right before the circuit asks.</summary>
    public const string SystemDarkCookieName = "dg-system-dark";

    public string Mode { get; private set; } = "system";

    public bool SystemDarkHint { get; private set; }

    public event Func<Task>? Changed;

    public static string Normalize(string? value) => value is "light" or "dark" ? value : "system";

    /// <summary>The mode from the request's cookie, before the circuit starts.</summary>
    public void Initialize(string? mode, bool systemDark)
    {
        Mode = Normalize(mode);
        SystemDarkHint = systemDark;
    }

    public async Task SetAsync(string mode)
    {
        Mode = Normalize(mode);
        // Cookie for the next request, and the Radzen stylesheets of pages not yet on the kit.
        await js.InvokeVoidAsync("dgTheme.set", Mode);
        if (Changed is { } changed)
        {
            await changed();
        }
    }
}
