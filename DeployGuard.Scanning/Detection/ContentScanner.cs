using System.Buffers;

namespace DeployGuard.Scanning.Detection;

/// <summary>Bytes of a file or blob to candidates: binary check, decoding into a pooled buffer, kind, detection.</summary>
internal static class ContentScanner
{
    public static IReadOnlyList<Candidate> Scan(Detector detector, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || ContentSniffer.IsBinary(bytes))
        {
            return Detector.NoCandidates;
        }

        var chars = ArrayPool<char>.Shared.Rent(TextDecoder.MaxChars(bytes.Length));
        try
        {
            return Scan(detector, bytes, chars);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>The same, decoding into the caller's buffer of at least <see cref="TextDecoder.MaxChars"/> characters.</summary>
    public static IReadOnlyList<Candidate> Scan(Detector detector, ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        if (bytes.IsEmpty || ContentSniffer.IsBinary(bytes))
        {
            return Detector.NoCandidates;
        }

        var text = chars[..TextDecoder.Decode(bytes, chars)];
        return detector.Detect(text, ContentSniffer.Classify(text));
    }
}
