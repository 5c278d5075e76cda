using System.Text;

namespace DeployGuard.Tests.Scanning.Support;

/// <summary>
/// Random, format-valid, obviously fake credentials, built at run time from a seed so the repository holds
/// no token literal (only prefixes). Shared with the benchmark's corpus generator (bench/scanning).
/// </summary>
public sealed class FakeSecrets(int seed)
{
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Lower = "abcdefghijklmnopqrstuvwxyz";
    private const string Digits = "0123456789";
    private const string HexChars = "0123456789abcdef";

    private readonly Random _random = new(seed);

    public string Alnum(int n) => Pick(Upper + Lower + Digits, n, mustMix: true);

    public string LowerAlnum(int n) => Pick(Lower + Digits, n, mustMix: true);

    public string UpperAlnum(int n) => Pick(Upper + Digits, n, mustMix: true);

    public string Hex(int n) => Pick(HexChars, n, mustMix: true);

    public string Number(int n) => Pick("123456789", 1) + Pick(Digits, n - 1);

    public string Base32(int n) => Pick(Upper + "234567", n);

    public string Base64(int n) => Pick(Upper + Lower + Digits + "+/", n, mustMix: true);

    /// <summary>base64url with separators only inside, so boundaries stay unambiguous.</summary>
    public string B64Url(int n) => n < 3 ? Alnum(n) : Alnum(1) + Pick(Upper + Lower + Digits + "-_", n - 2, mustMix: true) + Alnum(1);

    public string Bech32Upper(int n) => Pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", n);

    public string Uuid() => $"{Hex(8)}-{Hex(4)}-{Hex(4)}-{Hex(4)}-{Hex(12)}";

    public string Password(int n) => Alnum(n - 2) + Pick("#%!*", 1) + Digits[_random.Next(10)];

    /// <summary>Base64 lines of a key body (64 characters per line, like PEM).</summary>
    public string KeyBody(int lines) => string.Join('\n', Enumerable.Range(0, lines).Select(_ => Base64(64)));

    public int Next(int max) => _random.Next(max);

    public static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private string Pick(string alphabet, int n, bool mustMix = false)
    {
        while (true)
        {
            var chars = new char[n];
            for (var i = 0; i < n; i++)
            {
                chars[i] = alphabet[_random.Next(alphabet.Length)];
            }

            var value = new string(chars);
            // Random values that happen to look like placeholders ("1234", one character class) would make
            // the rules' placeholder checks fire by chance: draw again.
            if (!mustMix || n < 8 || (value.Any(char.IsDigit) && value.Any(char.IsLetter) && !LooksLikePlaceholder(value)))
            {
                return value;
            }
        }
    }

    private static bool LooksLikePlaceholder(string value) =>
        new[] { "1234", "abcd", "0000", "here", "test", "xxxx", "fake", "mock", "todo", "example", "sample", "dummy" }
            .Any(w => value.Contains(w, StringComparison.OrdinalIgnoreCase));
}
