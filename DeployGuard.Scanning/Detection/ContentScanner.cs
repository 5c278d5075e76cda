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
            var text = chars.AsSpan(0, TextDecoder.Decode(bytes, chars));
            return detector.Detect(text, ContentSniffer.Classify(text));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
