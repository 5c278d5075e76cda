using System.Text;

namespace DeployGuard.Scanning.Detection;

internal static class TextDecoder
{
    // Git's own heuristic: a NUL byte in the first 8000 bytes means binary.
    private const int BinarySniffLength = 8000;

    /// <summary>The text of a file or blob, or null when it is binary.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        if (bytes[..Math.Min(bytes.Length, BinarySniffLength)].Contains((byte)0))
        {
            return null;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
