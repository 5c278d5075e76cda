namespace DeployGuard.Scanning.Vulnerabilities;

/// <summary>CVSS v2 base score (FIRST CVSS v2 guide, section 3.2.1).</summary>
internal static class Cvss2
{
    public static double BaseScore(IReadOnlyDictionary<string, string> m)
    {
        var av = m["AV"] switch { "L" => 0.395, "A" => 0.646, _ => 1.0 };
        var ac = m["AC"] switch { "H" => 0.35, "M" => 0.61, _ => 0.71 };
        var au = m["Au"] switch { "M" => 0.45, "S" => 0.56, _ => 0.704 };
        var impact = 10.41 * (1 - (1 - Cia(m["C"])) * (1 - Cia(m["I"])) * (1 - Cia(m["A"])));
        var exploitability = 20 * av * ac * au;
        var f = impact == 0 ? 0 : 1.176;
        return Math.Round((0.6 * impact + 0.4 * exploitability - 1.5) * f, 1, MidpointRounding.AwayFromZero);
    }

    private static double Cia(string value) => value switch { "P" => 0.275, "C" => 0.660, _ => 0 };
}
