using DeployGuard.Scanning.Detection;
using DeployGuard.Scanning.Rules;

namespace DeployGuard.Tests.Scanning.Detection;

/// <summary>
/// The one-pass keyword filter must report exactly what a plain <see cref="StringComparison.OrdinalIgnoreCase"/>
/// search at every position reports: the prefilter decides which lines the regexes see, so a missed hit is a missed
/// secret. Texts longer than 64 characters take the vector path where the processor has it, shorter ones and tails
/// the scalar one; both are compared here.
/// </summary>
public sealed class KeywordIndexTests
{
    private static readonly string[] BuiltInKeywords = BuiltInRules.All
        .SelectMany(r => r.Keywords)
        .Select(k => k.ToLowerInvariant())
        .Where(k => k.Length > 0)
        .Distinct()
        .ToArray();

    [Fact]
    public void Hits_RandomTextWithBuiltInKeywords_EqualsNaiveSearch()
    {
        var random = new Random(12);
        var index = new KeywordIndex(BuiltInKeywords);
        // Keyword fragments, other cases, non-ASCII letters and separators, so that near and real hits are frequent.
        string[] pieces = [.. BuiltInKeywords, .. BuiltInKeywords.Select(k => k.ToUpperInvariant()), "pas", "sec", "tok", "é", "ſ", "ı", "€", "😀", "\n", " ", "=", "_", "\0"];
        for (var round = 0; round < 200; round++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 120)).Select(_ => random.Next(3) == 0
                ? pieces[random.Next(pieces.Length)]
                : ((char)random.Next(32, 127)).ToString()));

            Assert.Equal(Naive(BuiltInKeywords, text), Hits(index, text));
        }
    }

    [Fact]
    public void Hits_NonAsciiAroundAndInKeywords_MatchesAsOrdinalIgnoreCase()
    {
        // Non-ASCII text characters all narrow to one byte, and a non-ASCII keyword takes any byte: whatever
        // OrdinalIgnoreCase says of 'ſ', 'ı', the Kelvin sign or 'Ö', the filter must say the same.
        // Long runs of non-ASCII text are there too (they once made every position a candidate).
        string[] keywords = ["secret", "api", "key", "ſk", "passwört"];
        var index = new KeywordIndex(keywords);
        var text = "x ſecret apı \u212Aey ſk sk SK PASSWÖRT passwort " + new string('-', 80) + " ſECRET API " + new string('漢', 200) + "secret";

        var hits = Hits(index, text);

        Assert.Equal(Naive(keywords, text), hits);
        Assert.Contains((text.IndexOf("PASSWÖRT", StringComparison.Ordinal), 4), hits);
        Assert.Contains((text.IndexOf("ſk", StringComparison.Ordinal), 3), hits);
        Assert.Contains((text.LastIndexOf("API", StringComparison.Ordinal), 1), hits);
    }

    [Fact]
    public void OrdinalIgnoreCase_NonAsciiCharacter_NeverEqualsAsciiCharacter()
    {
        // The premise of the byte filter: every non-ASCII character narrows to one byte that no ASCII keyword
        // character accepts. If a runtime's ordinal casing ever mapped one to ASCII ('ſ' to 'S'), this fails.
        for (var c = 0x80; c <= 0xFFFF; c++)
        {
            var wide = (char)c;
            for (var a = 1; a < 0x80; a++)
            {
                var ascii = (char)a;
                if (new ReadOnlySpan<char>(in wide).Equals(new ReadOnlySpan<char>(in ascii), StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Fail($"U+{c:X4} equals U+{a:X4} ignoring case");
                }
            }
        }
    }

    [Fact]
    public void Hits_KeywordsAtEndOverlappingAndShort_AllReported()
    {
        string[] keywords = ["sk", "q~", "aa", "aaa", "aws", "amzn.mws.", "-----begin"];
        var index = new KeywordIndex(keywords);
        foreach (var text in new[] { "aaaa", "sk", "xsk", "q~", "AWS", "aw", new string('a', 130), new string('x', 63) + "sk", new string('x', 64) + "-----BEGIN", "amzn.mws" })
        {
            Assert.Equal(Naive(keywords, text), Hits(index, text));
        }
    }

    [Fact]
    public void Hits_NoKeywordsOrEmptyText_Nothing()
    {
        Assert.Empty(Hits(new KeywordIndex([]), "secret token"));
        Assert.Empty(Hits(new KeywordIndex(["secret"]), ""));
    }

    private static List<(int Position, int Keyword)> Hits(KeywordIndex index, string text)
    {
        var hits = new List<(int, int)>();
        foreach (var hit in index.Hits(text))
        {
            hits.Add(hit);
        }

        // Text order (the detector's windows rely on it); several keywords at one position come in bucket order,
        // which the detector does not depend on.
        Assert.Equal(hits.Select(h => h.Item1).Order(), hits.Select(h => h.Item1));
        return hits.Order().ToList();
    }

    private static List<(int Position, int Keyword)> Naive(string[] keywords, string text)
    {
        var hits = new List<(int, int)>();
        for (var i = 0; i < text.Length; i++)
        {
            for (var k = 0; k < keywords.Length; k++)
            {
                if (text.AsSpan(i).StartsWith(keywords[k], StringComparison.OrdinalIgnoreCase))
                {
                    hits.Add((i, k));
                }
            }
        }

        return hits.Order().ToList();
    }
}
