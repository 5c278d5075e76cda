using System.Security.Cryptography;
using System.Text;

namespace DeployGuard.Scanning;

/// <summary>The only two things the rest of the product may know about a secret value.</summary>
public static class SecretHasher
{
    /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes of <paramref name="value"/>.</summary>
    public static string Hash(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.UTF8.GetBytes(value);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>
    /// A few leading characters (none for short values, where they would give too much away), then
    /// asterisks. The number of asterisks is capped so the preview does not reveal long lengths exactly.
    /// </summary>
    public static string Redact(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var visible = value.Length switch
        {
            >= 20 => 4,
            >= 12 => 2,
            _ => 0,
        };
        var shown = value[..visible];
        // Never show a line break or a control character in a one-line preview.
        if (shown.Any(char.IsControl))
        {
            shown = string.Empty;
        }

        var stars = Math.Clamp(value.Length - shown.Length, 4, 12);
        return shown + new string('*', stars);
    }

    /// <summary>True when <paramref name="value"/> looks like a hash produced by <see cref="Hash"/>.</summary>
    public static bool IsValidHash(string? value) =>
        value is { Length: 64 } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    internal static string Fingerprint(string ruleId, string filePath, string secretHash)
    {
        var bytes = Encoding.UTF8.GetBytes($"{ruleId}\n{filePath}\n{secretHash}");
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];
    }
}
