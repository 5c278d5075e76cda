namespace DeployGuard.Scanning.Vulnerabilities;

/// <summary>
/// CVSS v4.0 scoring as the specification (section 8) defines it: the vector falls into a MacroVector of six
/// equivalence-class levels whose score comes from the published table (<see cref="Cvss4Lookup"/>); the score is
/// then lowered by the vector's mean proportional distance from the highest-severity vectors of its MacroVector
/// towards the next lower MacroVectors.
/// </summary>
internal static class Cvss4
{
    // Severity distance of each metric value from the most severe value ("levels" in the specification).
    private static readonly Dictionary<string, Dictionary<string, double>> Levels = new(StringComparer.Ordinal)
    {
        ["AV"] = new() { ["N"] = 0.0, ["A"] = 0.1, ["L"] = 0.2, ["P"] = 0.3 },
        ["PR"] = new() { ["N"] = 0.0, ["L"] = 0.1, ["H"] = 0.2 },
        ["UI"] = new() { ["N"] = 0.0, ["P"] = 0.1, ["A"] = 0.2 },
        ["AC"] = new() { ["L"] = 0.0, ["H"] = 0.1 },
        ["AT"] = new() { ["N"] = 0.0, ["P"] = 0.1 },
        ["VC"] = new() { ["H"] = 0.0, ["L"] = 0.1, ["N"] = 0.2 },
        ["VI"] = new() { ["H"] = 0.0, ["L"] = 0.1, ["N"] = 0.2 },
        ["VA"] = new() { ["H"] = 0.0, ["L"] = 0.1, ["N"] = 0.2 },
        ["SC"] = new() { ["H"] = 0.1, ["L"] = 0.2, ["N"] = 0.3 },
        ["SI"] = new() { ["S"] = 0.0, ["H"] = 0.1, ["L"] = 0.2, ["N"] = 0.3 },
        ["SA"] = new() { ["S"] = 0.0, ["H"] = 0.1, ["L"] = 0.2, ["N"] = 0.3 },
        ["CR"] = new() { ["H"] = 0.0, ["M"] = 0.1, ["L"] = 0.2 },
        ["IR"] = new() { ["H"] = 0.0, ["M"] = 0.1, ["L"] = 0.2 },
        ["AR"] = new() { ["H"] = 0.0, ["M"] = 0.1, ["L"] = 0.2 },
    };

    // The highest-severity vectors of each equivalence-class level (EQ3 and EQ6 are joint: [eq3][eq6]).
    private static readonly string[][] Eq1Max = [["AV:N/PR:N/UI:N"], ["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"], ["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"]];
    private static readonly string[][] Eq2Max = [["AC:L/AT:N"], ["AC:H/AT:N", "AC:L/AT:P"]];
    private static readonly string[][][] Eq3Eq6Max =
    [
        [["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"], ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"]],
        [["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"],
            ["VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M", "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"]],
        [[], ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"]],
    ];
    private static readonly string[][] Eq4Max = [["SC:H/SI:S/SA:S"], ["SC:H/SI:H/SA:H"], ["SC:L/SI:L/SA:L"]];

    // Depth of each level (number of severity steps inside it, plus one).
    private static readonly int[] Eq1Depth = [1, 4, 5];
    private static readonly int[] Eq2Depth = [1, 2];
    private static readonly int[][] Eq3Eq6Depth = [[7, 6], [8, 8], [0, 10]];
    private static readonly int[] Eq4Depth = [6, 5, 4];

    private const double Epsilon = 1e-6;

    private static readonly string[] ImpactMetrics = ["VC", "VI", "VA", "SC", "SI", "SA"];

    public static double Score(IReadOnlyDictionary<string, string> metrics)
    {
        string M(string key) => Effective(metrics, key);
        if (ImpactMetrics.All(k => M(k) == "N"))
        {
            return 0;
        }

        var eq = MacroVector(M);
        var macro = string.Concat(eq);
        var value = Cvss4Lookup.Scores[macro];

        double? Lower(params int[] levels) => Cvss4Lookup.Scores.TryGetValue(string.Concat(levels), out var s) ? s : null;
        var lowerEq1 = Lower(eq[0] + 1, eq[1], eq[2], eq[3], eq[4], eq[5]);
        var lowerEq2 = Lower(eq[0], eq[1] + 1, eq[2], eq[3], eq[4], eq[5]);
        double? lowerEq3Eq6 = (eq[2], eq[5]) switch
        {
            (0, 0) => Max(Lower(eq[0], eq[1], eq[2], eq[3], eq[4], eq[5] + 1), Lower(eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5])),
            (1, 0) => Lower(eq[0], eq[1], eq[2], eq[3], eq[4], eq[5] + 1),
            (0, 1) or (1, 1) => Lower(eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5]),
            _ => Lower(eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5] + 1),
        };
        var lowerEq4 = Lower(eq[0], eq[1], eq[2], eq[3] + 1, eq[4], eq[5]);
        var lowerEq5 = Lower(eq[0], eq[1], eq[2], eq[3], eq[4] + 1, eq[5]);

        // The first highest-severity vector of the MacroVector that the vector does not exceed in any metric.
        Dictionary<string, double> distance = [];
        foreach (var max in HighestVectors(eq))
        {
            distance = Levels.Keys.ToDictionary(k => k, k => Levels[k][M(k)] - Levels[k][max[k]]);
            if (distance.Values.All(d => d >= 0))
            {
                break;
            }
        }

        const double step = 0.1;
        var parts = new List<double>();
        void Add(double? lower, double severityDistance, int depth)
        {
            if (lower is { } l)
            {
                parts.Add((value - l) * (severityDistance / (depth * step)));
            }
        }

        Add(lowerEq1, distance["AV"] + distance["PR"] + distance["UI"], Eq1Depth[eq[0]]);
        Add(lowerEq2, distance["AC"] + distance["AT"], Eq2Depth[eq[1]]);
        Add(lowerEq3Eq6, distance["VC"] + distance["VI"] + distance["VA"] + distance["CR"] + distance["IR"] + distance["AR"], Eq3Eq6Depth[eq[2]][eq[5]]);
        Add(lowerEq4, distance["SC"] + distance["SI"] + distance["SA"], Eq4Depth[eq[3]]);
        if (lowerEq5 is not null)
        {
            // EQ5 (exploit maturity) has a single vector per level: the proportion is always zero.
            parts.Add(0);
        }

        var mean = parts.Count == 0 ? 0 : parts.Sum() / parts.Count;
        var score = Math.Clamp(value - mean, 0, 10);
        // Round half up, with the reference implementation's epsilon so that 5.65 computed as 5.6499999 is 5.7.
        return Math.Round((score + Epsilon) * 10, MidpointRounding.AwayFromZero) / 10;
    }

    private static int[] MacroVector(Func<string, string> m)
    {
        var eq1 = m("AV") == "N" && m("PR") == "N" && m("UI") == "N" ? 0
            : (m("AV") == "N" || m("PR") == "N" || m("UI") == "N") && m("AV") != "P" ? 1
            : 2;
        var eq2 = m("AC") == "L" && m("AT") == "N" ? 0 : 1;
        var eq3 = m("VC") == "H" && m("VI") == "H" ? 0
            : m("VC") == "H" || m("VI") == "H" || m("VA") == "H" ? 1
            : 2;
        var eq4 = m("MSI") == "S" || m("MSA") == "S" ? 0
            : m("SC") == "H" || m("SI") == "H" || m("SA") == "H" ? 1
            : 2;
        var eq5 = m("E") switch { "A" => 0, "P" => 1, _ => 2 };
        var eq6 = (m("CR") == "H" && m("VC") == "H") || (m("IR") == "H" && m("VI") == "H") || (m("AR") == "H" && m("VA") == "H") ? 0 : 1;
        return [eq1, eq2, eq3, eq4, eq5, eq6];
    }

    private static IEnumerable<Dictionary<string, string>> HighestVectors(int[] eq)
    {
        foreach (var a in Eq1Max[eq[0]])
        foreach (var b in Eq2Max[eq[1]])
        foreach (var c in Eq3Eq6Max[eq[2]][eq[5]])
        foreach (var d in Eq4Max[eq[3]])
        {
            yield return $"{a}/{b}/{c}/{d}".Split('/').Select(p => p.Split(':')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// The value a metric takes for scoring: a modified (environmental) value overrides the base value; an
    /// undefined exploit maturity counts as Attacked and undefined requirements as High (the worst case).
    /// </summary>
    private static string Effective(IReadOnlyDictionary<string, string> metrics, string key)
    {
        var value = metrics.TryGetValue(key, out var v) ? v : "X";
        switch (key)
        {
            case "E" when value == "X":
                return "A";
            case "CR" or "IR" or "AR" when value == "X":
                return "H";
            case "MSI" or "MSA":
                return value;
        }

        return metrics.TryGetValue("M" + key, out var modified) && modified != "X" ? modified : value;
    }

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
