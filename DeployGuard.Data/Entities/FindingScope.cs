namespace DeployGuard.Data.Entities;

/// <summary>
/// Where one scanner's findings live and what its latest scan was: a service (or, without one, a target) and a
/// scanner. "Fixed" means "not in the latest scan of this scope", and a finding still reported was last seen when
/// its scope was last scanned, so re-importing an unchanged report rewrites no finding.
/// </summary>
public class FindingScope
{
    public long Id { get; set; }
    /// <summary><c>service:&lt;id&gt;</c>, or <c>target:&lt;target&gt;</c> without a service.</summary>
    public string ScopeKey { get; set; } = "";
    /// <summary>Lower-case scanner name: trivy, grype, codeql...</summary>
    public string Scanner { get; set; } = "";
    public Guid? ServiceId { get; set; }
    public string Target { get; set; } = "";
    public Guid? LastScanId { get; set; }
    public DateTimeOffset? LastSeenAt { get; set; }
}
