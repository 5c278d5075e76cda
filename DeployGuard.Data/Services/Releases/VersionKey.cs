using System.Text;
using System.Text.RegularExpressions;

namespace DeployGuard.Data.Services.Releases;

/// <summary>
/// Encodes a version as a string whose ordinal order is semantic-version order (semver.org §11), so the
/// database can sort and compare releases with a plain index (the column uses COLLATE "C").
/// Non-semantic versions (dates, build numbers) get a natural-sort key: digit runs compare as numbers.
/// </summary>
public static partial class VersionKey
{
    private const int NumberWidth = 10;

    [GeneratedRegex(@"^[vV]?(?<major>0|[1-9]\d{0,9})\.(?<minor>0|[1-9]\d{0,9})(?:\.(?<patch>0|[1-9]\d{0,9}))?(?:-(?<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+(?<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")]
    private static partial Regex SemVer();

    [GeneratedRegex(@"\d+|\D+")]
    private static partial Regex Runs();

    public static string For(string version)
    {
        version = version.Trim();
        var match = SemVer().Match(version);
        if (!match.Success)
        {
            // '!' sorts below every semantic key ('0'...), so free-form versions come first.
            return "!" + Natural(version);
        }

        var key = new StringBuilder();
        key.Append(Pad(match.Groups["major"].Value)).Append('.')
            .Append(Pad(match.Groups["minor"].Value)).Append('.')
            .Append(Pad(match.Groups["patch"].Success ? match.Groups["patch"].Value : "0"));
        if (match.Groups["pre"].Success)
        {
            // A pre-release sorts below its release: '-' (0x2D) < '~' (0x7E).
            key.Append('-');
            var first = true;
            foreach (var identifier in match.Groups["pre"].Value.Split('.'))
            {
                if (!first)
                {
                    // A space sorts below every identifier character, so "alpha" < "alpha.1" < "alpha-x" as in §11.4.
                    key.Append(' ');
                }

                first = false;
                // Numeric identifiers sort below alphanumeric ones ('0' < '1') and numerically among themselves.
                key.Append(identifier.All(char.IsAsciiDigit) ? "0" + Pad(identifier) : "1" + identifier);
            }
        }
        else
        {
            key.Append('~');
        }

        return key.ToString();
    }

    private static string Natural(string version)
    {
        var key = new StringBuilder();
        foreach (Match run in Runs().Matches(version.ToLowerInvariant()))
        {
            key.Append(char.IsAsciiDigit(run.Value[0]) ? Pad(run.Value.TrimStart('0')) : run.Value);
        }

        return key.Length > 390 ? key.ToString(0, 390) : key.ToString();
    }

    private static string Pad(string digits)
    {
        digits = digits.Length == 0 ? "0" : digits;
        return digits.Length >= NumberWidth ? digits : digits.PadLeft(NumberWidth, '0');
    }

    /// <summary>Compares two versions the way the database orders their keys.</summary>
    public static int Compare(string a, string b) => string.CompareOrdinal(For(a), For(b));
}
