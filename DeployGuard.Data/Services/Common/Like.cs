namespace DeployGuard.Data.Services.Common;

internal static class Like
{
    /// <summary>Escapes LIKE wildcards so user search text matches literally.</summary>
    public static string Escape(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
}
