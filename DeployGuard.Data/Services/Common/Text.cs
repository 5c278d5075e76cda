using System.Diagnostics.CodeAnalysis;

namespace DeployGuard.Data.Services.Common;

public static class Text
{
    /// <summary>Cuts a value to a column's length (user agents, git error output, paths from uploads).</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Truncate(this string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
