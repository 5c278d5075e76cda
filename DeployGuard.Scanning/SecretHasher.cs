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
    /// At most the provider's prefix (<c>ghp_</c>, <c>AKIA</c>, <c>sk_live_</c> ...) and 2 more characters, then asterisks:
    /// enough to tell findings apart, too little to narrow a guess. Short values show nothing. The number of asterisks is
    /// capped so the preview does not reveal long lengths exactly.
    /// </summary>
    public static string Redact(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var prefix = ProviderPrefix(value) ?? "";
        var rest = value.Length - prefix.Length;
        var shown = value[..(prefix.Length + (rest >= 12 ? 2 : 0))];
        // Never show a line break or a control character in a one-line preview.
        if (shown.Any(char.IsControl))
        {
            shown = string.Empty;
        }

        var stars = Math.Clamp(value.Length - shown.Length, 4, 12);
        return shown + new string('*', stars);
    }

    /// <summary>The well-known provider prefix <paramref name="value"/> starts with (the longest), or null.</summary>
    public static string? ProviderPrefix(string value) =>
        ProviderPrefixes.Where(p => value.Length > p.Length + 8 && value.StartsWith(p, StringComparison.Ordinal)).MaxBy(p => p.Length);

    /// <summary>A preview from an older version or another tool, cut down to what <see cref="Redact"/> shows today.</summary>
    public static string ShortenPreview(string preview)
    {
        ArgumentNullException.ThrowIfNull(preview);
        var visible = preview.TrimEnd('*');
        var prefix = ProviderPrefixes.Where(p => visible.StartsWith(p, StringComparison.Ordinal)).MaxBy(p => p.Length) ?? "";
        var keep = Math.Min(visible.Length, prefix.Length + 2);
        return visible.Length <= keep && visible.Length < preview.Length
            ? preview
            : visible[..keep] + new string('*', Math.Clamp(preview.Length - keep, 4, 12));
    }

    // Prefixes providers put in front of their tokens: they say which provider, nothing about the secret.
    private static readonly string[] ProviderPrefixes =
    [
        "github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "gldt-", "glrt-", "xoxb-", "xoxp-", "xoxa-", "xoxe-", "xoxs-", "xapp-",
        "sk_live_", "sk_test_", "rk_live_", "rk_test_", "pk_live_", "pk_test_", "whsec_", "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIza", "SG.",
        "npm_", "pypi-", "dop_v1_", "doo_v1_", "shpat_", "shpss_", "hf_", "sk-ant-", "sk-proj-", "sk-", "xai-", "glsa_", "dp.pt.", "AccountKey=",
    ];

    /// <summary>True when <paramref name="value"/> looks like a hash produced by <see cref="Hash"/>.</summary>
    public static bool IsValidHash(string? value) =>
        value is { Length: 64 } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    internal static string Fingerprint(string ruleId, string filePath, string secretHash)
    {
        var bytes = Encoding.UTF8.GetBytes($"{ruleId}\n{filePath}\n{secretHash}");
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];
    }
}
