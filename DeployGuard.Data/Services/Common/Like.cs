namespace DeployGuard.Data.Services.Common;

internal static class Like
{
    /// <summary>
    /// Pass this to <c>EF.Functions.ILike(..., pattern, EscapeCharacter)</c>: without it Npgsql emits <c>ESCAPE ''</c>,
    /// which turns the backslashes of <see cref="Escape"/> into literal characters.
    /// </summary>
    public const string EscapeCharacter = @"\";

    /// <summary>Escapes LIKE wildcards so user search text matches literally.</summary>
    public static string Escape(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
}
