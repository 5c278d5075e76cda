namespace DeployGuard.Scanning.Vulnerabilities;

/// <summary>
/// An estimate of the EPSS probability for a CVE that has no EPSS score (too new for FIRST's daily file, or a
/// vendor id with a CVE alias FIRST does not list). Always stored and shown as estimated (<c>epss_predicted</c>),
/// and replaced by FIRST's score as soon as an EPSS import has one. docs/vulnerabilities.md explains it.
/// </summary>
/// <remarks>
/// <para>
/// The estimate starts from 0.0005 (about the median EPSS score of all CVEs) and multiplies it by how reachable the
/// flaw is according to the CVSS exploitability metrics (v3 and v4: attack vector, attack complexity, privileges,
/// user interaction; each network/low/none value counts fully, the others less), by the worst impact on the
/// vulnerable system, and by the weakness class (CWE): injection, deserialization, path traversal, authentication
/// bypass and similar classes that exploit kits favour count 3×, memory corruption 1.5×, resource exhaustion 0.5×.
/// A vector-less CVE uses its CVSS score instead. A CVE the scanner reports as known exploited (CISA KEV) is at least
/// 0.5. The result is capped at 0.95.
/// </para>
/// <para>
/// So the most reachable case (network, low complexity, no privileges, no interaction, high impact) is 0.02, or
/// 0.06 with an injection weakness: deliberately below the scores FIRST gives the CVEs that are really exploited,
/// because an estimate must not outrank evidence; it only orders the unknowns among themselves.
/// </para>
/// </remarks>
public static class EpssEstimator
{
    public const double Baseline = 0.0005;
    public const double Cap = 0.95;
    public const double KnownExploitedFloor = 0.5;

    private static readonly HashSet<string> FavouredWeaknesses = new(StringComparer.OrdinalIgnoreCase)
    {
        "CWE-77", "CWE-78", "CWE-89", "CWE-94", "CWE-95", "CWE-22", "CWE-287", "CWE-288", "CWE-306", "CWE-434", "CWE-502",
        "CWE-611", "CWE-918", "CWE-917", "CWE-1321", "CWE-74",
    };

    private static readonly HashSet<string> MemoryWeaknesses = new(StringComparer.OrdinalIgnoreCase)
    {
        "CWE-787", "CWE-416", "CWE-119", "CWE-120", "CWE-122", "CWE-125", "CWE-190", "CWE-476",
    };

    private static readonly HashSet<string> ExhaustionWeaknesses = new(StringComparer.OrdinalIgnoreCase)
    {
        "CWE-400", "CWE-770", "CWE-1333", "CWE-674", "CWE-835",
    };

    public static double? Estimate(string? cvssVector, double? cvssScore, IReadOnlyCollection<string> cwes, bool knownExploited)
    {
        double? reach = CvssVector.TryParse(cvssVector, out var vector, out _) && vector!.Version != "2.0" ? Reachability(vector)
            : cvssScore is { } score ? 1 + score * score / 2.5
            : null;
        if (reach is null && !knownExploited)
        {
            return null;
        }

        var estimate = Baseline * (reach ?? 1) * WeaknessFactor(cwes);
        if (knownExploited)
        {
            estimate = Math.Max(estimate, KnownExploitedFloor);
        }

        return Math.Round(Math.Min(Cap, estimate), 5);
    }

    /// <summary>1 (unreachable in practice) to 40 (network, low complexity, no privileges, no interaction, high impact).</summary>
    private static double Reachability(CvssVector vector)
    {
        var m = vector.Metrics;
        string Get(string key) => m.TryGetValue(key, out var v) ? v : "";
        var av = Get("AV") switch { "N" => 1.0, "A" => 0.5, "L" => 0.25, _ => 0.1 };
        var ac = Get("AC") == "L" ? 1.0 : 0.5;
        var pr = Get("PR") switch { "N" => 1.0, "L" => 0.6, _ => 0.3 };
        var ui = Get("UI") is "N" ? 1.0 : 0.6;
        var impacts = vector.Version == "4.0" ? new[] { Get("VC"), Get("VI"), Get("VA") } : [Get("C"), Get("I"), Get("A")];
        var impact = impacts.Contains("H") ? 1.0 : impacts.Contains("L") ? 0.5 : 0.2;
        var requirements = vector.Version == "4.0" && Get("AT") == "P" ? 0.5 : 1.0;
        return Math.Max(1, 40 * av * ac * pr * ui * impact * requirements);
    }

    private static double WeaknessFactor(IReadOnlyCollection<string> cwes) =>
        cwes.Any(FavouredWeaknesses.Contains) ? 3
        : cwes.Any(MemoryWeaknesses.Contains) ? 1.5
        : cwes.Count > 0 && cwes.All(ExhaustionWeaknesses.Contains) ? 0.5
        : 1;
}
