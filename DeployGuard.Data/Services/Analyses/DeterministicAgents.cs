using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Releases;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>
/// The offline agents: the same questions a model is asked, answered by rules from the findings' metadata, so every
/// run is reproducible and costs nothing.
/// </summary>
public static class DeterministicAgents
{
    /// <summary>Used for the product when a finding has no EPSS at all (code issues, misconfigurations).</summary>
    public const double UnknownEpss = 0.05;

    public static object Run(string agent, AgentContext context, int fewServices) => agent switch
    {
        AgentNames.Prioritization => Prioritize(context),
        AgentNames.SupplyChain => SupplyChain(context, fewServices),
        AgentNames.Remediation => Remediate(context),
        AgentNames.Security => Decide(context),
        _ => throw new ArgumentOutOfRangeException(nameof(agent), agent, "Unknown agent."),
    };

    // ---- prioritization: CVSS × EPSS × exposure ----

    public sealed record PriorityItem(int Rank, string Id, string? Package, string? Version, string Severity, double Cvss, double Epss, bool EpssEstimated,
        bool KnownExploited, double Exposure, double Risk, string Priority, string Reason);

    public sealed record PriorityOutput(string Summary, double Exposure, IReadOnlyList<string> ExposureFactors, IReadOnlyDictionary<string, int> ByPriority,
        IReadOnlyList<PriorityItem> Items);

    /// <summary>1 for an internal service with no production deployment; ×1.5 in production, ×1.5 internet-facing (2.25 both).</summary>
    public static double Exposure(AgentContext context) => (context.InProduction ? 1.5 : 1.0) * (context.InternetFacing ? 1.5 : 1.0);

    /// <summary>The CVSS score, or the middle of the severity's CVSS band when the scanner gave none.</summary>
    public static double CvssOrBand(AgentFinding f) => f.Cvss ?? f.Severity.ToUpperInvariant() switch
    {
        "CRITICAL" => 9.5,
        "HIGH" => 8.0,
        "MEDIUM" => 5.5,
        "LOW" => 2.0,
        _ => 0.0,
    };

    /// <summary>risk = CVSS × EPSS × exposure; a known-exploited finding counts as EPSS 1 (it is being exploited).</summary>
    public static double Risk(AgentFinding f, double exposure) =>
        Math.Round(CvssOrBand(f) * (f.KnownExploited ? 1.0 : f.Epss ?? UnknownEpss) * exposure, 4);

    /// <summary>P1 ≥ 2 (e.g. CVSS 9.8 with EPSS 0.2), P2 ≥ 0.5, P3 ≥ 0.1, P4 below.</summary>
    public static string Bucket(double risk) => risk switch
    {
        >= 2.0 => "P1",
        >= 0.5 => "P2",
        >= 0.1 => "P3",
        _ => "P4",
    };

    public static PriorityOutput Prioritize(AgentContext context)
    {
        var exposure = Exposure(context);
        var factors = new List<string>();
        if (context.InProduction)
        {
            factors.Add("deployed to production");
        }

        if (context.InternetFacing)
        {
            factors.Add("internet-facing");
        }

        var items = context.Findings
            .Select(f => (Finding: f, Risk: Risk(f, exposure)))
            .OrderByDescending(x => x.Risk).ThenByDescending(x => CvssOrBand(x.Finding)).ThenBy(x => x.Finding.Id, StringComparer.Ordinal)
            .ThenBy(x => x.Finding.Package, StringComparer.Ordinal)
            .Select((x, i) => new PriorityItem(i + 1, x.Finding.Id, x.Finding.Package, x.Finding.Version, x.Finding.Severity, CvssOrBand(x.Finding),
                x.Finding.KnownExploited ? 1.0 : x.Finding.Epss ?? UnknownEpss, x.Finding.EpssEstimated || x.Finding.Epss is null, x.Finding.KnownExploited,
                exposure, x.Risk, Bucket(x.Risk), Reason(x.Finding, exposure)))
            .ToList();
        var byPriority = new[] { "P1", "P2", "P3", "P4" }.ToDictionary(p => p, p => items.Count(i => i.Priority == p));
        var top = items.FirstOrDefault();
        var summary = top is null
            ? "No open findings to prioritise."
            : $"{byPriority["P1"]} P1, {byPriority["P2"]} P2, {byPriority["P3"]} P3, {byPriority["P4"]} P4 of {items.Count} findings" +
              $"{(factors.Count > 0 ? $" (exposure ×{exposure:0.##}: {string.Join(", ", factors)})" : "")}; fix {top.Id}{(top.Package is null ? "" : $" in {top.Package}")} first (risk {top.Risk:0.###}).";
        return new PriorityOutput(summary, exposure, factors, byPriority, items);
    }

    private static string Reason(AgentFinding f, double exposure)
    {
        var epss = f.KnownExploited ? "known exploited" : f.Epss is { } e ? $"EPSS {e:0.####}{(f.EpssEstimated ? " (estimated)" : "")}" : $"no EPSS (taken as {UnknownEpss})";
        var cvss = f.Cvss is { } c ? $"CVSS {c:0.0}" : $"{f.Severity.ToLowerInvariant()} (CVSS taken as {CvssOrBand(f):0.0})";
        return $"{cvss} × {epss} × exposure {exposure:0.##}";
    }

    // ---- supply chain: ecosystems, direct vs transitive, rare packages ----

    public sealed record EcosystemFacts(string Ecosystem, int Packages, int Findings, int Direct, int Transitive, int Unknown);

    public sealed record RarePackage(string Package, string? Version, string Ecosystem, int Services, int Findings, string HighestSeverity);

    public sealed record SupplyChainOutput(string Summary, int Packages, int Direct, int Transitive, int Unknown, IReadOnlyList<EcosystemFacts> Ecosystems,
        IReadOnlyList<RarePackage> SeenInFewServices, IReadOnlyList<string> PackagesWithoutFix);

    public static SupplyChainOutput SupplyChain(AgentContext context, int fewServices)
    {
        var withPackage = context.Findings.Where(f => f.Package is not null).ToList();
        var packages = withPackage.GroupBy(f => (f.Package!, f.Version, Ecosystem: f.Ecosystem ?? "unknown")).ToList();

        // A package is direct when any finding says so, transitive when all that know say not.
        static string Relation(IEnumerable<AgentFinding> fs) =>
            fs.Any(f => f.Direct == true) ? "direct" : fs.Any(f => f.Direct == false) ? "transitive" : "unknown";

        var ecosystems = packages.GroupBy(p => p.Key.Ecosystem)
            .Select(g => new EcosystemFacts(g.Key, g.Count(), g.Sum(p => p.Count()),
                g.Count(p => Relation(p) == "direct"), g.Count(p => Relation(p) == "transitive"), g.Count(p => Relation(p) == "unknown")))
            .OrderByDescending(e => e.Findings).ThenBy(e => e.Ecosystem, StringComparer.Ordinal).ToList();
        var rare = packages
            .Where(p => p.Max(f => f.ServicesWithPackage) <= fewServices)
            .Select(p => new RarePackage(p.Key.Item1, p.Key.Version, p.Key.Ecosystem, p.Max(f => f.ServicesWithPackage), p.Count(), Highest(p)))
            .OrderByDescending(r => SeverityRank(r.HighestSeverity)).ThenByDescending(r => r.Findings).ThenBy(r => r.Package, StringComparer.Ordinal).ToList();
        var noFix = packages.Where(p => p.All(f => string.IsNullOrWhiteSpace(f.FixedVersions)))
            .Select(p => $"{p.Key.Item1}@{p.Key.Version}").Distinct().Order(StringComparer.Ordinal).ToList();

        var direct = packages.Count(p => Relation(p) == "direct");
        var transitive = packages.Count(p => Relation(p) == "transitive");
        var unknown = packages.Count - direct - transitive;
        var summary = packages.Count == 0
            ? "No vulnerable packages in this scan."
            : $"{Text.Count(packages.Count, "vulnerable package")} in {Text.Count(ecosystems.Count, "ecosystem")} ({string.Join(", ", ecosystems.Select(e => e.Ecosystem))}): " +
              $"{direct} direct, {transitive} transitive, {unknown} not stated by the scanner; {rare.Count} seen in at most {Text.Count(fewServices, "service")}, " +
              $"{noFix.Count} with no fixed version.";
        return new SupplyChainOutput(summary, packages.Count, direct, transitive, unknown, ecosystems, rare, noFix);
    }

    // ---- remediation: one upgrade per package, the version that fixes all of its CVEs ----

    public sealed record Upgrade(string Ecosystem, string Package, string? From, string To, string Command, int Fixes, string HighestSeverity,
        IReadOnlyList<string> Vulnerabilities);

    public sealed record RemediationOutput(string Summary, int Fixable, int WithoutFix, IReadOnlyList<Upgrade> Upgrades, IReadOnlyList<string> NoFixAvailable);

    public static RemediationOutput Remediate(AgentContext context)
    {
        var withPackage = context.Findings.Where(f => f.Package is not null).ToList();
        var upgrades = new List<Upgrade>();
        var noFix = new List<string>();
        foreach (var group in withPackage.GroupBy(f => (Package: f.Package!, f.Version, Ecosystem: f.Ecosystem ?? "unknown")))
        {
            string? target = null;
            var fixedIds = new List<string>();
            foreach (var f in group)
            {
                var fix = FirstFixAbove(f.FixedVersions, group.Key.Version);
                if (fix is null)
                {
                    noFix.Add($"{f.Id} ({group.Key.Package}@{group.Key.Version})");
                    continue;
                }

                fixedIds.Add(f.Id);
                if (target is null || Compare(fix, target) > 0)
                {
                    target = fix;
                }
            }

            if (target is not null)
            {
                var fixedFindings = group.Where(f => fixedIds.Contains(f.Id)).ToList();
                upgrades.Add(new Upgrade(group.Key.Ecosystem, group.Key.Package, group.Key.Version, target,
                    Command(group.Key.Ecosystem, group.Key.Package, target), fixedIds.Distinct().Count(), Highest(fixedFindings),
                    fixedIds.Distinct().Order(StringComparer.Ordinal).ToList()));
            }
        }

        upgrades = upgrades.OrderByDescending(u => u.Fixes).ThenByDescending(u => SeverityRank(u.HighestSeverity))
            .ThenBy(u => u.Package, StringComparer.Ordinal).ToList();
        var fixable = upgrades.Sum(u => u.Fixes);
        var summary = upgrades.Count == 0
            ? noFix.Count == 0 ? "Nothing to upgrade." : $"No fixed version is known for any of the {Text.Count(noFix.Count, "finding")}."
            : $"{Text.Count(upgrades.Count, "upgrade")} fix{(upgrades.Count == 1 ? "es" : "")} {Text.Count(fixable, "finding")}; the largest, {upgrades[0].Package} {upgrades[0].From} → {upgrades[0].To}, fixes " +
              $"{upgrades[0].Fixes}. {Text.Count(noFix.Count, "finding")} {(noFix.Count == 1 ? "has" : "have")} no fix yet.";
        return new RemediationOutput(summary, fixable, noFix.Count, upgrades, noFix.Distinct().Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// The lowest listed fixed version above the installed one. Scanners list one fixed version per release line
    /// ("2.4.1, 3.0.2"), so the lowest one above what is installed is the smallest bump.
    /// </summary>
    public static string? FirstFixAbove(string? fixedVersions, string? installed)
    {
        if (string.IsNullOrWhiteSpace(fixedVersions))
        {
            return null;
        }

        var candidates = fixedVersions.Split([',', ' ', '|', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => v.TrimStart('>', '=', '^', '~'))
            .Where(v => v.Length > 0 && char.IsAsciiLetterOrDigit(v[0]))
            .ToList();
        var above = candidates.Where(v => installed is null || Compare(v, installed) > 0).ToList();
        var pool = above.Count > 0 ? above : candidates;
        return pool.Count == 0 ? null : pool.Aggregate((a, b) => Compare(a, b) <= 0 ? a : b);
    }

    private static int Compare(string a, string b) => string.CompareOrdinal(VersionKey.For(a), VersionKey.For(b));

    /// <summary>The upgrade in the ecosystem's own words (Trivy and Grype package types).</summary>
    public static string Command(string ecosystem, string package, string version) => ecosystem.ToLowerInvariant() switch
    {
        "npm" or "node-pkg" or "yarn" or "pnpm" => $"npm install {package}@{version}",
        "pip" or "python" or "python-pkg" or "pipenv" or "poetry" or "pypi" => $"pip install \"{package}>={version}\"",
        "gomod" or "gobinary" or "go-module" or "golang" => $"go get {package}@v{version.TrimStart('v')}",
        "nuget" or "dotnet-core" or "dotnet" => $"dotnet add package {package} --version {version}",
        "cargo" or "rust-crate" or "rust-binary" => $"cargo update -p {package} --precise {version}",
        "bundler" or "gemspec" or "gem" => $"bundle update {package} (to {version})",
        "composer" or "php-composer" => $"composer require {package}:^{version}",
        "jar" or "pom" or "gradle" or "java-archive" or "maven" => $"set {package} to {version} in pom.xml / build.gradle",
        "debian" or "ubuntu" or "deb" => $"apt-get install --only-upgrade {package}={version} (or rebuild on a newer base image)",
        "alpine" or "apk" => $"apk upgrade {package} (to {version}, or rebuild on a newer base image)",
        "redhat" or "centos" or "rocky" or "alma" or "amazon" or "rpm" or "fedora" => $"dnf upgrade {package}-{version}",
        _ => $"upgrade {package} to {version}",
    };

    // ---- security: seed 03's decision ----

    public sealed record SecurityOutput(string Decision, int VulnerabilitiesFound, int Critical, int High, int Medium, int Low, int KnownExploited,
        int OpenSecrets, string Reasoning, string Recommendation);

    public static SecurityOutput Decide(AgentContext context)
    {
        // Counts come from the whole scan, not only the findings the prompt carries.
        int Count(string severity) => context.OpenBySeverity.GetValueOrDefault(severity);
        var (critical, high, medium, low) = (Count("CRITICAL"), Count("HIGH"), Count("MEDIUM"), Count("LOW"));
        var exploited = context.KnownExploited;
        var highFixable = context.Findings.Count(f => string.Equals(f.Severity, "HIGH", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(f.FixedVersions));

        string decision;
        string reasoning;
        string recommendation;
        if (critical > 0 || exploited > 0 || context.OpenSecretFindings > 0)
        {
            decision = "reject";
            var why = new List<string>();
            if (critical > 0)
            {
                why.Add($"{critical} critical vulnerabilit{(critical == 1 ? "y" : "ies")}");
            }

            if (exploited > 0)
            {
                why.Add($"{exploited} known to be exploited");
            }

            if (context.OpenSecretFindings > 0)
            {
                why.Add(Text.Count(context.OpenSecretFindings, "leaked secret"));
            }

            reasoning = $"{string.Join(", ", why)} found. Not safe to deploy.";
            recommendation = "fix or accept the risk of each critical finding, rotate and remove leaked secrets";
        }
        else if (high > 0)
        {
            decision = "warn";
            reasoning = $"No critical vulnerabilities, but {Text.Count(high, "high severity issue")} ({highFixable} of those listed have a fix available).";
            recommendation = "deploy with caution and schedule the upgrades";
        }
        else
        {
            decision = "approve";
            reasoning = context.TotalFindings == 0
                ? "No open vulnerabilities found. Safe to deploy."
                : "Only medium and low severity issues found. No critical vulnerabilities. Safe to deploy.";
            recommendation = "safe to deploy";
        }

        return new SecurityOutput(decision, context.TotalFindings, critical, high, medium, low, exploited, context.OpenSecretFindings, reasoning, recommendation);
    }

    private static string Highest(IEnumerable<AgentFinding> findings) =>
        findings.Select(f => f.Severity.ToUpperInvariant()).OrderByDescending(SeverityRank).FirstOrDefault() ?? "UNKNOWN";

    private static int SeverityRank(string severity) => severity.ToUpperInvariant() switch
    {
        "CRITICAL" => 4,
        "HIGH" => 3,
        "MEDIUM" => 2,
        "LOW" => 1,
        _ => 0,
    };
}
