using System.Diagnostics.CodeAnalysis;

namespace DeployGuard.Data.Services.Common;

public static class Text
{
    /// <summary>Cuts a value to a column's length (user agents, git error output, paths from uploads).</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Truncate(this string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    /// <summary>A count with its noun in the right number: "1 finding", "4 findings" (never "finding(s)"); stored texts, so invariant.</summary>
    public static string Count(long count, string singular, string? plural = null) =>
        $"{count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} {Noun(count, singular, plural)}";

    /// <summary>The noun for <paramref name="count"/>: the plural is singular + "s" unless given (the UI's Format.Count too).</summary>
    public static string Noun(long count, string singular, string? plural = null) => count == 1 ? singular : plural ?? singular + "s";
}
