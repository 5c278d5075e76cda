namespace DeployGuard.Scanning.Detection;

internal static class Entropy
{
    /// <summary>Shannon entropy in bits per character; random base62 of length 32 scores about 4.7.</summary>
    public static double Shannon(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return 0;
        }

        Span<int> ascii = stackalloc int[128];
        Dictionary<char, int>? other = null;
        foreach (var c in value)
        {
            if (c < 128)
            {
                ascii[c]++;
            }
            else
            {
                other ??= [];
                other[c] = other.GetValueOrDefault(c) + 1;
            }
        }

        double length = value.Length;
        var entropy = 0.0;
        foreach (var count in ascii)
        {
            if (count > 0)
            {
                var p = count / length;
                entropy -= p * Math.Log2(p);
            }
        }

        if (other is not null)
        {
            foreach (var count in other.Values)
            {
                var p = count / length;
                entropy -= p * Math.Log2(p);
            }
        }

        return entropy;
    }
}
