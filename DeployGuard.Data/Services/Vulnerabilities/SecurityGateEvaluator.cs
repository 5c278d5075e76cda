using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Reports;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>A scan the gate looked at.</summary>
public sealed record GateScan(
    [property: JsonPropertyName("scan_id")] Guid? ScanId,
    [property: JsonPropertyName("secret_scan_job_id")] Guid? ScanJobId,
    [property: JsonPropertyName("scan_type")] string ScanType,
    [property: JsonPropertyName("scanner")] string Scanner,
    [property: JsonPropertyName("scanner_version")] string? ScannerVersion,
    [property: JsonPropertyName("commit")] string? CommitSha,
    [property: JsonPropertyName("other_commit")] bool OtherCommit,
    [property: JsonPropertyName("completed_at")] DateTimeOffset? CompletedAt,
    [property: JsonPropertyName("duration_ms")] long? DurationMs)
{
    public string Name => $"{Scanner} {(ScanType == "secrets" ? "secret scan" : ScanType + " scan")} of {(CommitSha is { Length: > 0 } c ? "commit " + c[..Math.Min(12, c.Length)] : "no recorded commit")}";
}

/// <summary>An unresolved finding of one of those scans (open, or accepted with an expired acceptance).</summary>
public sealed record GateFinding(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("vulnerability_id")] string VulnerabilityId,
    [property: JsonPropertyName("package")] string? Package,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("severity")] Severity Severity,
    [property: JsonPropertyName("cvss")] double? Cvss,
    [property: JsonPropertyName("epss")] double? Epss,
    [property: JsonPropertyName("epss_estimated")] bool EpssEstimated,
    [property: JsonPropertyName("epss_percentile")] double? EpssPercentile,
    [property: JsonPropertyName("known_exploited")] bool KnownExploited,
    [property: JsonPropertyName("fixed_versions")] string? FixedVersions,
    [property: JsonPropertyName("acceptance_expired")] bool AcceptanceExpired,
    [property: JsonPropertyName("scan_ref")] int ScanRef)
{
    [JsonIgnore] public bool IsSecret => Kind == "secret";

    public string Describe()
    {
        var what = IsSecret ? $"secret {VulnerabilityId} in {Path}" : Package is null ? $"{VulnerabilityId} in {Path}" : $"{VulnerabilityId} in {Package} {Version}";
        var facts = new List<string> { Severities.Name(Severity) };
        if (Cvss is { } cvss)
        {
            facts.Add("CVSS " + cvss.ToString("0.0", CultureInfo.InvariantCulture));
        }

        if (Epss is { } epss)
        {
            facts.Add($"EPSS {epss.ToString("0.###", CultureInfo.InvariantCulture)}{(EpssEstimated ? " (estimated)" : "")}");
        }

        if (KnownExploited)
        {
            facts.Add("known exploited");
        }

        return $"{what} ({string.Join(", ", facts)})";
    }

    /// <summary>The ways out: fix it, accept the risk (an approver), or an admin override.</summary>
    public IReadOnlyList<string> Unblock() =>
    [
        IsSecret ? "fix: revoke and rotate the credential, remove it from the code and from history (clean it from the scan's page), then scan again"
            : FixedVersions is { Length: > 0 } fixedIn ? $"fix: upgrade {Package} to {fixedIn}, then import a new scan"
            : "fix: no fixed version is known yet; remove or replace the component, then import a new scan",
        "accept the risk: an approver accepts it with a reason and an expiry on the finding's page",
        "override: an admin lets this release through with a reason (audited)",
    ];
}

/// <summary>What one condition of the policy did.</summary>
public sealed record GateOutcome(
    [property: JsonPropertyName("rule")] int Rule,
    [property: JsonPropertyName("condition")] string Condition,
    [property: JsonPropertyName("action")] PolicyAction Action,
    [property: JsonPropertyName("matched")] int Matched,
    [property: JsonPropertyName("findings")] IReadOnlyList<GateFinding> Findings,
    [property: JsonPropertyName("detail")] string? Detail);

/// <summary>The gate's evaluation as stored with the decision (<c>security_gate_decisions.evaluation</c>).</summary>
public sealed record GateEvaluation(
    [property: JsonPropertyName("policy_version")] int PolicyVersion,
    [property: JsonPropertyName("policy")] SecurityPolicyDocument Policy,
    [property: JsonPropertyName("scans")] IReadOnlyList<GateScan> Scans,
    [property: JsonPropertyName("findings_checked")] int FindingsChecked,
    [property: JsonPropertyName("outcomes")] IReadOnlyList<GateOutcome> Outcomes,
    [property: JsonPropertyName("override")] string? Override);

public sealed record GateVerdict(GateDecision Decision, string Reasoning, GateEvaluation Evaluation);

/// <summary>What the gate knows when it decides.</summary>
public sealed record GateInput(
    SecurityPolicyDocument Policy,
    int PolicyVersion,
    string EnvironmentName,
    string? CommitSha,
    IReadOnlyList<GateScan> Scans,
    IReadOnlyList<GateFinding> Findings,
    DateTimeOffset Now,
    string? Override = null);

/// <summary>
/// Judges a release against an environment's policy. Finding conditions are tried in order on every unresolved finding
/// and the first match decides that finding; gate conditions apply on their own. The worst action wins. With nothing
/// checked at all (no scan of the service) the gate never approves: at least it warns.
/// </summary>
public static class SecurityGateEvaluator
{
    /// <summary>Findings listed per condition; the count is always complete.</summary>
    public const int ListedPerCondition = 100;

    public static GateVerdict Evaluate(GateInput input)
    {
        var policy = input.Policy;
        var outcomes = new List<GateOutcome>();
        var matched = new Dictionary<int, List<GateFinding>>();
        foreach (var finding in input.Findings)
        {
            for (var i = 0; i < policy.Conditions.Count; i++)
            {
                if (Matches(policy.Conditions[i], finding))
                {
                    (matched.TryGetValue(i, out var list) ? list : matched[i] = []).Add(finding);
                    break;
                }
            }
        }

        for (var i = 0; i < policy.Conditions.Count; i++)
        {
            var condition = policy.Conditions[i];
            if (condition.IsFindingCondition)
            {
                if (matched.TryGetValue(i, out var findings))
                {
                    var listed = findings.OrderByDescending(f => f.Severity).ThenByDescending(f => f.Cvss ?? 0).Take(ListedPerCondition).ToList();
                    outcomes.Add(new GateOutcome(i + 1, condition.Describe(), condition.Action, findings.Count, listed, null));
                }

                continue;
            }

            if (GateCondition(condition, input) is { } detail)
            {
                var findings = condition.When == PolicyCondition.ExpiredAcceptances
                    ? input.Findings.Where(f => f.AcceptanceExpired).ToList()
                    : [];
                outcomes.Add(new GateOutcome(i + 1, condition.Describe(), condition.Action, findings.Count, findings.Take(ListedPerCondition).ToList(), detail));
            }
        }

        // Nothing checked cannot approve, whatever the policy says.
        if (input.Scans.Count == 0 && outcomes.All(o => o.Action == PolicyAction.Approve))
        {
            outcomes.Add(new GateOutcome(0, "no scan at all → warn (always: approving with nothing checked is not possible)", PolicyAction.Warn, 0, [],
                "The service has no completed scan: nothing was checked."));
        }

        var worst = outcomes.Count == 0 ? PolicyAction.Approve : outcomes.Max(o => o.Action);
        var decision = worst switch { PolicyAction.Block => GateDecision.Reject, PolicyAction.Warn => GateDecision.Warn, _ => GateDecision.Approve };
        if (decision == GateDecision.Reject && input.Override is not null)
        {
            decision = GateDecision.Approve;
        }

        var evaluation = new GateEvaluation(input.PolicyVersion, policy, input.Scans, input.Findings.Count, outcomes, input.Override);
        return new GateVerdict(decision, Reasoning(input, outcomes, decision), evaluation);
    }

    private static bool Matches(PolicyCondition c, GateFinding f) => c.When switch
    {
        PolicyCondition.Secrets => f.IsSecret && f.Severity >= (Severities.Parse(c.MinSeverity) ?? Severity.Info),
        _ when f.IsSecret => false,
        PolicyCondition.Severity => f.Severity >= (Severities.Parse(c.MinSeverity) ?? Severity.Critical)
                                    && (c.FixAvailable is null || c.FixAvailable == f.FixedVersions is { Length: > 0 }),
        PolicyCondition.Cvss => f.Cvss >= c.Min,
        PolicyCondition.Epss => f.Epss >= c.Min && (c.IncludeEstimated != false || !f.EpssEstimated),
        PolicyCondition.EpssPercentile => f.EpssPercentile >= c.Min,
        PolicyCondition.Cve => c.Ids?.Contains(f.VulnerabilityId, StringComparer.OrdinalIgnoreCase) == true,
        PolicyCondition.KnownExploited => f.KnownExploited,
        _ => false,
    };

    private static string? GateCondition(PolicyCondition c, GateInput input)
    {
        switch (c.When)
        {
            case PolicyCondition.NoScanOfCommit:
                if (input.Scans.Count == 0)
                {
                    return "The service has no completed scan at all: nothing was checked.";
                }

                var other = input.Scans.Where(s => s.OtherCommit).ToList();
                if (string.IsNullOrEmpty(input.CommitSha))
                {
                    return "The release records no commit, so no scan can be of it; the service's latest scans were used.";
                }

                return other.Count == input.Scans.Count
                    ? $"No scan of commit {Short(input.CommitSha)}; used the service's latest: {string.Join("; ", other.Select(s => s.Name))}."
                    : null;
            case PolicyCondition.ScanOlderThan:
                var stale = input.Scans.Where(s => s.CompletedAt is { } at && input.Now - at > TimeSpan.FromDays(c.Days ?? 30)).ToList();
                return stale.Count == 0 ? null
                    : $"{string.Join("; ", stale.Select(s => $"{s.Name} finished {(input.Now - s.CompletedAt!.Value).TotalDays:0} days ago"))}.";
            case PolicyCondition.MissingScanTypes:
                var have = input.Scans.Select(s => s.ScanType == "secrets" ? "git_repo" : s.ScanType).ToHashSet(StringComparer.Ordinal);
                var missing = (c.ScanTypes ?? []).Where(t => !have.Contains(t)).ToList();
                return missing.Count == 0 ? null : $"No {string.Join(", ", missing)} scan of this release.";
            case PolicyCondition.ExpiredAcceptances:
                var expired = input.Findings.Count(f => f.AcceptanceExpired);
                return expired == 0 ? null : $"{Text.Count(expired, "finding")} had a risk acceptance that expired: they count again.";
            default:
                return null;
        }
    }

    private static string Reasoning(GateInput input, IReadOnlyList<GateOutcome> outcomes, GateDecision decision)
    {
        var text = new StringBuilder();
        var policyName = input.PolicyVersion == 0 ? "preset policy" : $"policy version {input.PolicyVersion}";
        var checkedText = input.Scans.Count == 0
            ? "nothing (no completed scan of the service)"
            : $"{string.Join("; ", input.Scans.Select(s => s.Name + (s.OtherCommit ? " (not the release's commit)" : "")))}, {Text.Count(input.Findings.Count, "unresolved finding")}";
        text.Append(decision switch
        {
            GateDecision.Reject => $"Block: deploying to {input.EnvironmentName} is blocked by its {policyName}.",
            GateDecision.Warn => $"Warn: {input.EnvironmentName}'s {policyName} warns; the deployment continues.",
            _ => $"Approve: {input.EnvironmentName}'s {policyName} has no objection.",
        });
        if (input.Override is not null)
        {
            text.Append(' ').Append(input.Override);
        }

        text.Append(" Checked: ").Append(checkedText).Append('.');
        foreach (var outcome in outcomes.Where(o => o.Action != PolicyAction.Approve).OrderByDescending(o => o.Action).ThenBy(o => o.Rule))
        {
            text.Append('\n').Append(outcome.Rule > 0 ? $"Rule {outcome.Rule} ({outcome.Condition}): " : $"{outcome.Condition}: ");
            if (outcome.Detail is not null)
            {
                text.Append(outcome.Detail);
            }

            if (outcome.Findings.Count > 0)
            {
                text.Append($"{(outcome.Detail is null ? "" : " ")}{Text.Count(outcome.Matched, "finding")}: ")
                    .Append(string.Join("; ", outcome.Findings.Take(5).Select(f => f.Describe())))
                    .Append(outcome.Matched > 5 ? $"; and {outcome.Matched - 5} more" : "").Append('.');
            }
        }

        if (decision == GateDecision.Reject)
        {
            text.Append("\nTo unblock: fix the findings and scan again, have an approver accept their risk (with a reason and an expiry), " +
                        "or have an admin override this release with a reason.");
        }

        return text.ToString();
    }

    private static string Short(string commit) => commit[..Math.Min(12, commit.Length)];
}
