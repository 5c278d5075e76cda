using System.Diagnostics.CodeAnalysis;

namespace DeployGuard.Data.Services.Common;

public static class Text
{
    /// <summary>Cuts a value to a column's length (user agents, git error output, paths from uploads).</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Truncate(this string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    /// <summary>A count with its noun in the right number: "1 finding", "4 findings" (never "finding(s)").</summary>
    public static string Count(long count, string singular, string? plural = null) =>
        $"{count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} {(count == 1 ? singular : plural ?? singular + "s")}";
}
