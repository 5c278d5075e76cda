using MudBlazor;

namespace DeployGuard.Web.Components.Layout;

/// <summary>
/// DeployGuard's one palette, for both modes. Colours were picked for contrast (WCAG AA for text): the dark palette
/// lightens the brand colours so links, chips and muted text stay readable on the dark surface.
/// </summary>
internal static class BrandTheme
{
    public static MudTheme Theme { get; } = Create();

    /// <summary>
    /// The static pages (no circuit) carry both palettes (StaticTheme): the light one on :root, the dark one on
    /// :root[data-dg-scheme="dark"], which js/theme.js sets before the first paint and flips when the system's
    /// prefers-color-scheme changes. MudBlazor puts a colon before a scope that lacks one, so both start with :root.
    /// </summary>
    public static MudTheme StaticLight { get; } = Scoped(":root");

    /// <inheritdoc cref="StaticLight"/>
    public static MudTheme StaticDark { get; } = Scoped(":root[data-dg-scheme=\"dark\"]");

    private static MudTheme Scoped(string scope)
    {
        var theme = Create();
        theme.PseudoCss = new PseudoCss { Scope = scope };
        return theme;
    }

    private static MudTheme Create() => new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00796b",
            Tertiary = "#6a1b9a",
            Info = "#0277bd",
            Success = "#2e7d32",
            Warning = "#b45309",
            Error = "#c62828",
            AppbarBackground = "#283593",
            AppbarText = "#ffffff",
            Background = "#f5f6fa",
            Surface = "#ffffff",
            DrawerBackground = "#ffffff",
            DrawerText = "rgba(0,0,0,0.80)",
            DrawerIcon = "#3949ab",
            TextPrimary = "rgba(0,0,0,0.87)",
            TextSecondary = "rgba(0,0,0,0.64)",
            ActionDefault = "rgba(0,0,0,0.60)",
            TableLines = "#e3e5ee",
            LinesDefault = "#dfe1ea",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#9fa8ff",
            Secondary = "#4db6ac",
            Tertiary = "#ce93d8",
            Info = "#4fc3f7",
            Success = "#66bb6a",
            Warning = "#ffb74d",
            Error = "#ef7070",
            AppbarBackground = "#1b1f3b",
            AppbarText = "#e8eaf6",
            Background = "#14161f",
            Surface = "#1d2030",
            DrawerBackground = "#181b28",
            DrawerText = "rgba(255,255,255,0.82)",
            DrawerIcon = "#9fa8ff",
            TextPrimary = "rgba(255,255,255,0.90)",
            TextSecondary = "rgba(255,255,255,0.68)",
            ActionDefault = "rgba(255,255,255,0.70)",
            TableLines = "#2c3045",
            LinesDefault = "#2c3045",
            // Text on filled chips and buttons: dark ink on the light brand colours.
            PrimaryContrastText = "#10132b",
            SecondaryContrastText = "#06201d",
            InfoContrastText = "#04202c",
            SuccessContrastText = "#0b230c",
            WarningContrastText = "#2b1a00",
            ErrorContrastText = "#2b0909",
        },
        Typography = new Typography
        {
            // No web fonts: the machines are offline; the system's UI font reads well and needs no download.
            Default = new DefaultTypography
            {
                FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
            },
            // Sentence case on buttons: "New team", as the pages write it.
            Button = new ButtonTypography { TextTransform = "none", FontWeight = "500" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px" },
    };
}
