using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>Counts of stored findings for one commit, by severity.</summary>
public sealed record FindingsSummary(int Critical, int High, int Medium, int Low, string Source)
{
    public int Total => Critical + High + Medium + Low;
}

/// <summary>
/// Where the security gate reads scan findings for a release's commit: the scanning feature's stored findings
/// (<c>StoredSecretFindings</c>), and later other scanners' imports.
/// </summary>
public interface ISecurityFindingsSource
{
    /// <summary>The findings stored for the commit, or null when no scan of that commit is stored.</summary>
    Task<FindingsSummary?> FindAsync(Guid serviceId, string? repositoryUrl, string commitSha, CancellationToken ct = default);
}

/// <summary>Judges findings against an environment's policy, with a reason a person can read.</summary>
public static class SecurityGatePolicy
{
    public static (GateDecision Decision, string Reason) Evaluate(SecurityPolicy policy, string? commitSha, FindingsSummary? findings)
    {
        var commit = string.IsNullOrEmpty(commitSha) ? "(no commit recorded)" : commitSha.Length > 12 ? commitSha[..12] : commitSha;
        if (string.IsNullOrEmpty(commitSha))
        {
            return (GateDecision.Approve, "Approve: the release records no commit, so there are no scan results to evaluate.");
        }

        if (findings is null)
        {
            return (GateDecision.Approve, $"Approve: no scan results are stored for commit {commit}; nothing to evaluate.");
        }

        var counts = $"{findings.Critical} critical, {findings.High} high, {findings.Medium} medium, {findings.Low} low";
        var (decision, why) = policy switch
        {
            SecurityPolicy.Strict when findings.Critical + findings.High > 0 => (GateDecision.Reject, "the strict policy rejects critical and high findings"),
            SecurityPolicy.Strict when findings.Medium > 0 => (GateDecision.Warn, "the strict policy warns on medium findings"),
            SecurityPolicy.Standard when findings.Critical > 0 => (GateDecision.Reject, "the standard policy rejects critical findings"),
            SecurityPolicy.Standard when findings.High > 0 => (GateDecision.Warn, "the standard policy warns on high findings"),
            SecurityPolicy.Permissive when findings.Total > 0 => (GateDecision.Warn, "the permissive policy only warns"),
            _ => (GateDecision.Approve, findings.Total == 0 ? "no findings" : "nothing the policy objects to"),
        };
        return (decision, $"{decision}: {counts} finding(s) for commit {commit} ({findings.Source}); {why}.");
    }
}
