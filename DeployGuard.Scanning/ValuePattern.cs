using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace DeployGuard.Scanning;

/// <summary>
/// The shape of a secret value, e.g. <c>ghp_[alnum:36]</c> or <c>xoxb-[digit:12]-[digit:13]-[alnum:24]</c>:
/// literal prefixes and separators are kept, runs of characters become <c>[class:length]</c>. Shapes are
/// what triage feedback learns from (seed 01 <c>feedback_items.value_pattern</c>), because they can be
/// shared without the value. Grammar: literal characters (<c>\</c> escapes the next one) and
/// <c>[class:n]</c> or <c>[class:min-max]</c> with class one of digit, hex, lower, upper, alpha, alnum,
/// b64, b64url, sym, any.
/// </summary>
public static class ValuePattern
{
    private const string Separators = "_-.:@~";
    private const int MaxLiteralSegment = 8;
    private const int MaxRunsBeforeCollapse = 4;

    private static readonly ConcurrentDictionary<string, Regex> Compiled = new(StringComparer.Ordinal);

    private static readonly Dictionary<string, string> ClassRegex = new(StringComparer.Ordinal)
    {
        ["digit"] = "[0-9]",
        ["hex"] = "[0-9a-f]",
        ["lower"] = "[a-z]",
        ["upper"] = "[A-Z]",
        ["alpha"] = "[A-Za-z]",
        ["alnum"] = "[A-Za-z0-9]",
        ["b64"] = "[A-Za-z0-9+/=]",
        ["b64url"] = "[A-Za-z0-9_-]",
        ["sym"] = "[^A-Za-z0-9]",
        ["any"] = "[\\s\\S]",
    };

    /// <summary>
    /// Derives the shape of <paramref name="value"/>. <paramref name="literalPrefix"/> (a rule's known
    /// prefix such as <c>AKIA</c>) is kept verbatim when the value starts with it; otherwise a short
    /// leading word followed by a separator (<c>sk_live_</c>, <c>xoxb-</c>) is.
    /// </summary>
    public static string Derive(string value, string? literalPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder();
        var rest = value.AsSpan();

        if (!string.IsNullOrEmpty(literalPrefix) && value.StartsWith(literalPrefix, StringComparison.Ordinal))
        {
            AppendLiteral(builder, literalPrefix);
            rest = rest[literalPrefix.Length..];
        }
        else if (value.Contains('\n'))
        {
            // Multi-line values (key blocks): keep the first line ("-----BEGIN RSA PRIVATE KEY-----").
            var firstLine = value[..value.IndexOf('\n')];
            if (firstLine.StartsWith("-----", StringComparison.Ordinal))
            {
                AppendLiteral(builder, firstLine.TrimEnd('\r'));
                rest = rest[firstLine.TrimEnd('\r').Length..];
            }
        }
        else
        {
            for (var i = 0; i < 2; i++)
            {
                var prefix = LeadingWord(rest);
                if (prefix == 0 || prefix >= rest.Length - 1)
                {
                    break;
                }

                AppendLiteral(builder, rest[..(prefix + 1)]);
                rest = rest[(prefix + 1)..];
            }
        }

        AppendBody(builder, rest);
        return builder.ToString();
    }

    /// <summary>True when <paramref name="value"/> has the shape <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string value) => ToRegex(pattern).IsMatch(value);

    /// <summary>An anchored regular expression for a pattern; throws <see cref="FormatException"/> if malformed.</summary>
    public static Regex ToRegex(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return Compiled.GetOrAdd(pattern, static p => new Regex(
            Translate(p), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1)));
    }

    /// <summary>True when the pattern parses.</summary>
    public static bool IsValid(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return false;
        }

        try
        {
            Translate(pattern);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static int LeadingWord(ReadOnlySpan<char> text)
    {
        var i = 0;
        while (i < text.Length && i <= MaxLiteralSegment && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        return i is > 0 and <= MaxLiteralSegment && i < text.Length && Separators.Contains(text[i]) ? i : 0;
    }

    private static void AppendBody(StringBuilder builder, ReadOnlySpan<char> body)
    {
        if (body.IsEmpty)
        {
            return;
        }

        if (body.ContainsAny('\n', '\r', ' ') || body.ContainsAny('\t', '\f', '\v'))
        {
            Append(builder, "any", body.Length);
            return;
        }

        if (body.Length >= 16 && body.ContainsAny('+', '/') && All(body, IsB64))
        {
            Append(builder, "b64", body.Length);
            return;
        }

        var runs = 0;
        for (var i = 0; i < body.Length;)
        {
            if (char.IsAsciiLetterOrDigit(body[i]))
            {
                runs++;
                while (i < body.Length && char.IsAsciiLetterOrDigit(body[i]))
                {
                    i++;
                }
            }
            else
            {
                i++;
            }
        }

        // Random base64url values split into many short runs at random '-' and '_': one class is the shape.
        if (runs > MaxRunsBeforeCollapse && body.Length >= 16 && All(body, IsB64Url))
        {
            Append(builder, "b64url", body.Length);
            return;
        }

        for (var i = 0; i < body.Length;)
        {
            var start = i;
            if (char.IsAsciiLetterOrDigit(body[i]))
            {
                while (i < body.Length && char.IsAsciiLetterOrDigit(body[i]))
                {
                    i++;
                }

                Append(builder, Classify(body[start..i]), i - start);
            }
            else if (Separators.Contains(body[i]))
            {
                AppendLiteral(builder, body.Slice(i, 1));
                i++;
            }
            else
            {
                while (i < body.Length && !char.IsAsciiLetterOrDigit(body[i]) && !Separators.Contains(body[i]))
                {
                    i++;
                }

                Append(builder, "sym", i - start);
            }
        }
    }

    private static string Classify(ReadOnlySpan<char> run)
    {
        bool digits = false, lower = false, upper = false, nonHex = false;
        foreach (var c in run)
        {
            if (char.IsAsciiDigit(c))
            {
                digits = true;
            }
            else if (char.IsAsciiLetterLower(c))
            {
                lower = true;
                nonHex |= c > 'f';
            }
            else
            {
                upper = true;
            }
        }

        return (digits, lower, upper) switch
        {
            (true, false, false) => "digit",
            (true, true, false) when !nonHex => "hex",
            (false, true, false) => "lower",
            (false, false, true) => "upper",
            (false, true, true) => "alpha",
            _ => "alnum",
        };
    }

    private static bool IsB64(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=';

    private static bool IsB64Url(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private static bool All(ReadOnlySpan<char> text, Func<char, bool> predicate)
    {
        foreach (var c in text)
        {
            if (!predicate(c))
            {
                return false;
            }
        }

        return true;
    }

    private static void Append(StringBuilder builder, string klass, int length) =>
        builder.Append('[').Append(klass).Append(':').Append(length).Append(']');

    private static void AppendLiteral(StringBuilder builder, ReadOnlySpan<char> literal)
    {
        foreach (var c in literal)
        {
            if (c is '[' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }
    }

    private static string Translate(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (++i >= pattern.Length)
                {
                    throw new FormatException($"Pattern '{pattern}' ends with a lone backslash.");
                }

                regex.Append(Regex.Escape(pattern[i].ToString()));
            }
            else if (c == '[')
            {
                var close = pattern.IndexOf(']', i);
                if (close < 0)
                {
                    throw new FormatException($"Pattern '{pattern}' has an unclosed '['.");
                }

                var token = pattern[(i + 1)..close];
                var colon = token.IndexOf(':');
                if (colon < 0 || !ClassRegex.TryGetValue(token[..colon], out var klass))
                {
                    throw new FormatException(
                        $"Pattern '{pattern}': '[{token}]' is not [class:n] with class one of {string.Join(", ", ClassRegex.Keys)}.");
                }

                regex.Append(klass).Append('{').Append(ParseCount(pattern, token[(colon + 1)..])).Append('}');
                i = close;
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.Append('$').ToString();
    }

    private static string ParseCount(string pattern, string count)
    {
        var dash = count.IndexOf('-');
        if (dash < 0)
        {
            return int.TryParse(count, out var n) && n > 0
                ? n.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : throw new FormatException($"Pattern '{pattern}': '{count}' is not a positive count.");
        }

        return int.TryParse(count[..dash], out var min) && int.TryParse(count[(dash + 1)..], out var max) && min >= 0 && max >= min && max > 0
            ? $"{min},{max}"
            : throw new FormatException($"Pattern '{pattern}': '{count}' is not a range min-max.");
    }
}
