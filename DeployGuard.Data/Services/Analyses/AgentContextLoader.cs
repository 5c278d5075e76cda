using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Vulnerabilities;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>Builds an <see cref="AgentContext"/> for a scan from its findings and its service's exposure.</summary>
public sealed class AgentContextLoader(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    private sealed record PackageSpread(string Package, string Ecosystem, int Count);

    /// <summary>The scan's context, or null when there is no such scan.</summary>
    public async Task<AgentContext?> LoadAsync(Guid scanId, int maxFindings, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scan = await db.Scans.AsNoTracking().Where(s => s.Id == scanId)
            .Select(s => new { s.Id, s.ScanType, s.Target, s.Scanner, s.ServiceId, s.DeploymentId, s.SecretCount, Service = s.Service })
            .FirstOrDefaultAsync(ct);
        if (scan is null)
        {
            return null;
        }

        var rows = await (
                from v in db.Vulnerabilities.AsNoTracking()
                where v.ScanId == scanId
                join f in db.VulnerabilityFindings.AsNoTracking() on v.FindingId equals f.Id
                select new
                {
                    f.VulnerabilityId, f.CveId, f.Kind, f.Severity, f.SeverityRank, f.Status, f.Suppressed, f.PackageName, f.PackageVersion,
                    f.PackageType, f.Purl, f.Path, f.CvssScore, f.EpssScore, f.EpssPredicted, f.KnownExploited, f.FixedVersions, f.Direct,
                })
            .ToListAsync(ct);

        var packages = rows.Where(r => r.PackageName is not null).Select(r => r.PackageName!).Distinct().ToArray();
        var spread = packages.Length == 0
            ? []
            : await db.Database.SqlQuery<PackageSpread>($"""
                SELECT package_name AS "Package", coalesce(package_type, '') AS "Ecosystem",
                       COUNT(DISTINCT coalesce(service_id::text, 'scope:' || scope_id))::int AS "Count"
                FROM vulnerability_findings
                WHERE package_name = ANY({packages}) AND status IN ('open', 'accepted_risk')
                GROUP BY 1, 2
                """).ToListAsync(ct);
        var spreadBy = spread.ToDictionary(s => (s.Package, s.Ecosystem), s => s.Count);

        var inProduction = false;
        if (scan.ServiceId is { } serviceId)
        {
            inProduction = await db.Deployments.AnyAsync(d => d.ServiceId == serviceId && d.Status == DeploymentStatus.Succeeded
                && d.Environment!.Type == EnvironmentType.Production, ct);
        }

        if (!inProduction && scan.DeploymentId is { } deploymentId)
        {
            inProduction = await db.Deployments.AnyAsync(d => d.Id == deploymentId && d.Environment!.Type == EnvironmentType.Production, ct);
        }

        // What the report itself suppressed, or people closed, is not work for an agent.
        var findings = rows
            .Where(r => !r.Suppressed && r.Status is not (VulnerabilityStatus.FalsePositive or VulnerabilityStatus.Fixed))
            .OrderByDescending(r => r.KnownExploited).ThenByDescending(r => r.SeverityRank).ThenByDescending(r => r.CvssScore ?? 0)
            .ThenByDescending(r => r.EpssScore ?? 0).ThenBy(r => r.VulnerabilityId, StringComparer.Ordinal).ThenBy(r => r.PackageName, StringComparer.Ordinal)
            .Select(r => new AgentFinding(
                r.VulnerabilityId, r.CveId, ScanKinds.Name(r.Kind), r.Severity, ScanKinds.Name(r.Status), r.PackageName, r.PackageVersion, r.PackageType,
                r.Purl, r.Path, r.CvssScore, r.EpssScore, r.EpssPredicted, r.KnownExploited, r.FixedVersions, r.Direct,
                r.PackageName is null ? 0 : spreadBy.GetValueOrDefault((r.PackageName, r.PackageType ?? ""), 1)))
            .ToList();

        var bySeverity = findings.GroupBy(f => f.Severity.ToUpperInvariant()).ToDictionary(g => g.Key, g => g.Count());
        return new AgentContext(scan.Id, ScanKinds.Name(scan.ScanType), WithoutCredentials(scan.Target), scan.Scanner, scan.Service?.Name,
            scan.Service?.InternetFacing ?? false, inProduction, findings.Count, bySeverity, findings.Count(f => f.KnownExploited), scan.SecretCount,
            findings.Take(maxFindings).ToList());
    }

    /// <summary>A repository URL may carry a token (https://user:token@host/...): a prompt never does.</summary>
    internal static string WithoutCredentials(string target) =>
        Uri.TryCreate(target, UriKind.Absolute, out var url) && url.UserInfo.Length > 0
            ? new UriBuilder(url) { UserName = "", Password = "" }.Uri.ToString()
            : target;
}
