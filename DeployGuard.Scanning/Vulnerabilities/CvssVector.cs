using System.Globalization;

namespace DeployGuard.Scanning.Vulnerabilities;

/// <summary>A CVSS score with the vector it came from; <see cref="Computed"/> when the report gave only the vector.</summary>
public sealed record CvssScore(string Version, string Vector, double BaseScore, bool Computed)
{
    /// <summary>The qualitative rating of the score (the same bands for v3 and v4; v2 has no "critical").</summary>
    public Severity Rating => CvssVector.RatingOf(BaseScore);

    /// <summary>Builds a score from a vector and the score a report gave (null: compute it).</summary>
    public static CvssScore? From(string? vector, double? reportedScore)
    {
        if (CvssVector.TryParse(vector, out var parsed, out _))
        {
            return new CvssScore(parsed!.Version, parsed.Text, reportedScore ?? parsed.BaseScore, reportedScore is null);
        }

        return null;
    }
}

/// <summary>One metric of a vector and what its value means, for the hover text.</summary>
public sealed record CvssMetric(string Key, string Name, string Value, string Meaning);

/// <summary>
/// A parsed CVSS vector (v2.0, v3.0, v3.1 or v4.0): every metric checked against its version's allowed values,
/// the base metrics required, and the base score computed with the version's own formula (v4.0 with the
/// specification's MacroVector table, see <see cref="Cvss4"/>).
/// </summary>
public sealed class CvssVector
{
    // Reports repeat a few hundred vectors across thousands of results: parse (and score) each once.
    private const int CacheLimit = 8192;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CvssVector> Cache = new(StringComparer.Ordinal);

    private readonly Dictionary<string, string> _metrics;
    private double? _score;

    private CvssVector(string version, Dictionary<string, string> metrics, IReadOnlyList<string> order)
    {
        Version = version;
        _metrics = metrics;
        var body = string.Join('/', order.Select(k => $"{k}:{metrics[k]}"));
        Text = version == "2.0" ? body : $"CVSS:{version}/{body}";
    }

    /// <summary>"2.0", "3.0", "3.1" or "4.0".</summary>
    public string Version { get; }

    /// <summary>The vector as written, normalised (prefix for v3/v4, no parentheses).</summary>
    public string Text { get; }

    public IReadOnlyDictionary<string, string> Metrics => _metrics;

    /// <summary>The score of the vector: base score for v2/v3 (temporal and environmental metrics are shown, not scored); for v4 the score of all metrics given (CVSS-B, -BT, -BE or -BTE).</summary>
    public double BaseScore => _score ??= Version switch
    {
        "2.0" => Cvss2.BaseScore(_metrics),
        "3.0" or "3.1" => Cvss3.BaseScore(_metrics, Version == "3.1"),
        _ => Cvss4.Score(_metrics),
    };

    /// <summary>What each metric of the vector means ("AV:N" → Attack Vector: Network).</summary>
    public IReadOnlyList<CvssMetric> Explain() =>
        _metrics.Select(m =>
        {
            var definition = CvssMetrics.For(Version)[m.Key];
            return new CvssMetric(m.Key, definition.Name, m.Value, definition.Values[m.Value]);
        }).ToList();

    /// <summary>One line for a tooltip: "Attack Vector: Network · Attack Complexity: Low · …".</summary>
    public string Describe() => string.Join(" · ", Explain().Where(m => m.Value != "X").Select(m => $"{m.Name}: {m.Meaning}"));

    public static CvssVector Parse(string text) =>
        TryParse(text, out var vector, out var error) ? vector! : throw new FormatException(error);

    public static bool TryParse(string? text, out CvssVector? vector, out string? error)
    {
        error = null;
        if (text is not null && Cache.TryGetValue(text, out vector))
        {
            return true;
        }

        if (!TryParseUncached(text, out vector, out error))
        {
            return false;
        }

        if (Cache.Count < CacheLimit)
        {
            Cache.TryAdd(text!, vector!);
        }

        return true;
    }

    private static bool TryParseUncached(string? text, out CvssVector? vector, out string? error)
    {
        vector = null;
        error = null;
        var input = text?.Trim() ?? "";
        if (input.StartsWith('(') && input.EndsWith(')'))
        {
            input = input[1..^1];
        }

        if (input.Length == 0)
        {
            error = "The CVSS vector is empty.";
            return false;
        }

        string version;
        var parts = input.Split('/');
        if (parts[0].StartsWith("CVSS:", StringComparison.OrdinalIgnoreCase))
        {
            version = parts[0][5..];
            parts = parts[1..];
            if (version is not ("3.0" or "3.1" or "4.0"))
            {
                error = $"CVSS version '{version}' is not supported (2.0, 3.0, 3.1 and 4.0 are).";
                return false;
            }
        }
        else
        {
            // v2 vectors carry no prefix; a bare v3 vector (AV:N/AC:L/PR:N/...) is recognised by its PR metric.
            version = parts.Any(p => p.StartsWith("Au:", StringComparison.Ordinal)) ? "2.0"
                : parts.Any(p => p.StartsWith("PR:", StringComparison.Ordinal)) ? "3.1" : "2.0";
        }

        var definitions = CvssMetrics.For(version);
        var metrics = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var part in parts)
        {
            var colon = part.IndexOf(':');
            if (colon <= 0 || colon == part.Length - 1)
            {
                error = $"'{part}' is not a metric:value pair (CVSS {version}).";
                return false;
            }

            var key = part[..colon];
            var value = part[(colon + 1)..];
            if (!definitions.TryGetValue(key, out var definition))
            {
                error = $"'{key}' is not a CVSS {version} metric.";
                return false;
            }

            if (!definition.Values.ContainsKey(value))
            {
                error = $"'{value}' is not a value of {definition.Name} ({key}) in CVSS {version}; allowed: {string.Join(", ", definition.Values.Keys)}.";
                return false;
            }

            if (!metrics.TryAdd(key, value))
            {
                error = $"{key} appears twice.";
                return false;
            }

            order.Add(key);
        }

        var missing = definitions.Where(d => d.Value.Required && !metrics.ContainsKey(d.Key)).Select(d => d.Key).ToList();
        if (missing.Count > 0)
        {
            error = $"CVSS {version} vector lacks the base metric(s) {string.Join(", ", missing)}.";
            return false;
        }

        vector = new CvssVector(version, metrics, order);
        return true;
    }

    /// <summary>None 0, Low 0.1–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0 (the v3/v4 rating scale).</summary>
    public static Severity RatingOf(double score) => score switch
    {
        >= 9.0 => Severity.Critical,
        >= 7.0 => Severity.High,
        >= 4.0 => Severity.Medium,
        > 0 => Severity.Low,
        _ => Severity.Info,
    };

    public override string ToString() => $"{Text} ({BaseScore.ToString("0.0", CultureInfo.InvariantCulture)})";
}
