using System.Text;

namespace DeployGuard.Scanning.Detection;

/// <summary>What a file or blob is, decided from its first block.</summary>
internal enum ContentKind
{
    Text,

    /// <summary>Never scanned.</summary>
    Binary,

    /// <summary>Minified or generated (bundles): scanned with the rules that need no code context only.</summary>
    Minified,
}

internal static class ContentSniffer
{
    /// <summary>How much of the start of a file decides its kind (and is read before the rest).</summary>
    public const int BlockSize = 64 * 1024;

    // Git's own heuristic: a NUL byte in the first 8000 bytes means binary.
    private const int BinarySniffLength = 8000;

    // Hand-written code and config keep lines short; bundles put kilobytes on a line.
    private const int MinifiedMinLength = 4096;
    private const int MinifiedMeanLineLength = 1000;

    public static bool IsBinary(ReadOnlySpan<byte> head) =>
        !head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) && !head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
        && head[..Math.Min(head.Length, BinarySniffLength)].Contains((byte)0);

    /// <summary>Text or minified, from the first <see cref="BlockSize"/> characters of decoded text.</summary>
    public static ContentKind Classify(ReadOnlySpan<char> text)
    {
        var head = text[..Math.Min(text.Length, BlockSize)];
        if (head.Length < MinifiedMinLength)
        {
            return ContentKind.Text;
        }

        var lines = head.Count('\n') + 1;
        return head.Length / lines >= MinifiedMeanLineLength ? ContentKind.Minified : ContentKind.Text;
    }
}

internal static class TextDecoder
{
    /// <summary>Characters <see cref="Decode(ReadOnlySpan{byte}, Span{char})"/> may need for <paramref name="bytes"/> bytes.</summary>
    public static int MaxChars(int bytes) => Encoding.UTF8.GetMaxCharCount(bytes);

    /// <summary>
    /// Decodes a file or blob into <paramref name="chars"/> (UTF-16 with a byte order mark, else UTF-8 with or without
    /// one; invalid bytes become U+FFFD) and returns the number of characters. The caller checks binary first.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetChars(bytes[2..], chars);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetChars(bytes[2..], chars);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        return Encoding.UTF8.GetChars(bytes, chars);
    }
}
