namespace DeployGuard.Scanning.Vulnerabilities;

/// <summary>CVSS v3.0 / v3.1 base score (FIRST CVSS v3.1 specification, section 7.1 and Appendix A).</summary>
internal static class Cvss3
{
    public static double BaseScore(IReadOnlyDictionary<string, string> m, bool v31)
    {
        var changed = m["S"] == "C";
        var av = m["AV"] switch { "N" => 0.85, "A" => 0.62, "L" => 0.55, _ => 0.2 };
        var ac = m["AC"] == "L" ? 0.77 : 0.44;
        var pr = m["PR"] switch { "N" => 0.85, "L" => changed ? 0.68 : 0.62, _ => changed ? 0.5 : 0.27 };
        var ui = m["UI"] == "N" ? 0.85 : 0.62;
        var iss = 1 - (1 - Cia(m["C"])) * (1 - Cia(m["I"])) * (1 - Cia(m["A"]));
        var impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.Pow(iss - 0.02, 15) : 6.42 * iss;
        var exploitability = 8.22 * av * ac * pr * ui;
        if (impact <= 0)
        {
            return 0;
        }

        var raw = changed ? Math.Min(1.08 * (impact + exploitability), 10) : Math.Min(impact + exploitability, 10);
        return v31 ? RoundUp31(raw) : Math.Ceiling(raw * 10) / 10;
    }

    private static double Cia(string value) => value switch { "H" => 0.56, "L" => 0.22, _ => 0 };

    // v3.1 Appendix A: round up to one decimal without floating-point surprises (e.g. 4.000000001 stays 4.0).
    private static double RoundUp31(double value)
    {
        var scaled = (long)Math.Round(value * 100_000);
        return scaled % 10_000 == 0 ? scaled / 100_000.0 : (Math.Floor(scaled / 10_000.0) + 1) / 10.0;
    }
}
