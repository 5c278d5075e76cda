using System.Text;

namespace DeployGuard.Scanning.Rules;

/// <summary>Value checks that regular expressions cannot express well; used by the built-in rules.</summary>
internal static class Validators
{
    // Contained anywhere in a value, these mark documentation and templates rather than credentials.
    private static readonly string[] PlaceholderWords =
    [
        "example", "sample", "placeholder", "changeme", "change_me", "change-me", "dummy", "fake", "your_",
        "your-", "yourpass", "yoursecret", "yourtoken", "yourkey", "redacted", "replace", "insert", "todo",
        "fixme", "here", "notreal", "not_real", "not-real", "mock", "lorem", "password", "passwd",
        "secret_value", "secretvalue", "process.env", "environ", "getenv", "config.", "settings.", "xxxx",
        "****", "....", "----", "____", "0000", "1234", "abcd", "test_", "-test", "_test", "testing",
    ];

    // Equal to the whole value (case-insensitive), these are defaults rather than secrets.
    private static readonly HashSet<string> PlaceholderValues = new(StringComparer.OrdinalIgnoreCase)
    {
        "secret", "admin", "root", "user", "username", "test", "pass", "default", "null", "none", "nil",
        "true", "false", "undefined", "empty", "string", "str", "guest", "postgres", "mysql", "redis",
        "letmein", "qwerty", "123456", "12345678", "welcome", "token", "apikey", "api_key", "key",
    };

    /// <summary>Rejects template references, obvious placeholders and repeated characters.</summary>
    public static bool NotPlaceholder(string value)
    {
        if (value.Length == 0 || PlaceholderValues.Contains(value))
        {
            return false;
        }

        if (value.Contains("${", StringComparison.Ordinal) || value.Contains("$(", StringComparison.Ordinal)
            || value.Contains("{{", StringComparison.Ordinal) || value.Contains("}}", StringComparison.Ordinal)
            || value.Contains("%s", StringComparison.Ordinal) || value.Contains("%(", StringComparison.Ordinal)
            || value.IndexOfAny(['<', '>']) >= 0
            // "{password}", "{f.Alnum(16)}": Python/C#/Go interpolation holes.
            || (value.Contains('{') && value.Contains('}')))
        {
            return false;
        }

        // "$DB_PASSWORD", "%DB_PASSWORD%", "@Password": references, not values.
        if (value.Length > 1 && value[0] is '$' or '%' or '@' && (char.IsAsciiLetter(value[1]) || value[1] is '_' or '{'))
        {
            return false;
        }

        foreach (var word in PlaceholderWords)
        {
            if (value.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return value.Distinct().Count() > 2;
    }

    /// <summary>
    /// A credential-looking value for generic assignments: not a placeholder, mixes character classes,
    /// and is not a dotted member access such as <c>settings.Database.Password</c>.
    /// </summary>
    public static bool GenericSecretValue(string value)
    {
        if (!NotPlaceholder(value))
        {
            return false;
        }

        bool lower = false, upper = false, digit = false, symbol = false;
        foreach (var c in value)
        {
            lower |= char.IsAsciiLetterLower(c);
            upper |= char.IsAsciiLetterUpper(c);
            digit |= char.IsAsciiDigit(c);
            symbol |= !char.IsAsciiLetterOrDigit(c);
        }

        var classes = (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0);
        if (classes < 2 && !(classes == 1 && symbol && !value.Contains('.')))
        {
            return false;
        }

        if (value.Contains('.') && value.Split('.').All(IsIdentifier))
        {
            return false;
        }

        // SCREAMING_SNAKE or camelCase identifiers assigned to a key name are references, not secrets.
        return !IsIdentifier(value) || digit;
    }

    /// <summary>Both the header and the payload are base64url JSON objects, and the header names an algorithm.</summary>
    public static bool Jwt(string value)
    {
        var parts = value.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var header = DecodeBase64Url(parts[0]);
        var payload = DecodeBase64Url(parts[1]);
        return header is not null && payload is not null
            && header.TrimStart().StartsWith('{') && header.Contains("\"alg\"", StringComparison.Ordinal)
            && payload.TrimStart().StartsWith('{');
    }

    /// <summary>The key block has a real body, not "...": at least 64 base64 characters between the armour lines.</summary>
    public static bool KeyBlockBody(string value)
    {
        var firstLineEnd = value.IndexOf("-----", 5, StringComparison.Ordinal);
        var end = value.LastIndexOf("-----END", StringComparison.Ordinal);
        if (firstLineEnd < 0 || end <= firstLineEnd)
        {
            return true;
        }

        var body = value.AsSpan(firstLineEnd + 5, end - firstLineEnd - 5);
        var base64 = 0;
        foreach (var c in body)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/')
            {
                base64++;
            }
        }

        return base64 >= 64 && Detection.Entropy.Shannon(body) >= 4.0;
    }

    private static bool IsIdentifier(string part) =>
        part.Length > 0 && part.All(c => char.IsAsciiLetter(c) || c == '_');

    private static string? DecodeBase64Url(string part)
    {
        var s = part.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out var written)
            ? Encoding.UTF8.GetString(buffer, 0, written)
            : null;
    }
}
