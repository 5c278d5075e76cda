using System.Globalization;

namespace DeployGuard.Web.Components.Shared;

/// <summary>Numbers as people read them: "66.7 %", "1 line", "2 secrets", "12,400".</summary>
public static class Format
{
    private static CultureInfo Culture => CultureInfo.CurrentCulture;

    /// <summary>A ratio (0.667) as a percentage with one decimal where it matters: "66.7 %", "100 %", "—" for none.</summary>
    public static string Percent(double? ratio)
    {
        if (ratio is not { } r || double.IsNaN(r))
        {
            return "—";
        }

        var rounded = Math.Round(r * 100, 1, MidpointRounding.AwayFromZero);
        return rounded.ToString(rounded % 1 == 0 ? "0" : "0.0", Culture) + " %";
    }

    /// <summary>"1 line", "2 lines", "0 secrets"; the plural is singular + "s" unless given.</summary>
    public static string Count(long count, string singular, string? plural = null) =>
        $"{Number(count)} {DeployGuard.Data.Services.Common.Text.Noun(count, singular, plural)}";

    public static string Number(long value) => value.ToString("N0", Culture);
}
