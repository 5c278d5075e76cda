using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeployGuard.Data.Entities;
using DeployGuard.Scanning.Reports;

namespace DeployGuard.Data.Services.Vulnerabilities;

[JsonConverter(typeof(JsonStringEnumConverter<PolicyAction>))]
public enum PolicyAction
{
    [JsonStringEnumMemberName("approve")] Approve,
    [JsonStringEnumMemberName("warn")] Warn,
    [JsonStringEnumMemberName("block")] Block,
}

/// <summary>
/// One condition of an environment's security policy (JSON, snake_case). Finding conditions are tried in order on each
/// finding, and the first that matches decides what that finding means (so an "approve" for a CVE list placed first is
/// an allow-list); the gate conditions (<c>no_scan_of_commit</c>, <c>scan_older_than</c>, <c>missing_scan_types</c>,
/// <c>expired_acceptances</c>) each apply on their own. The deployment gets the worst action that applied.
/// </summary>
public sealed record PolicyCondition
{
    public const string Severity = "severity";
    public const string Cvss = "cvss";
    public const string Epss = "epss";
    public const string EpssPercentile = "epss_percentile";
    public const string Cve = "cve";
    public const string KnownExploited = "known_exploited";
    public const string Secrets = "secrets";
    public const string NoScanOfCommit = "no_scan_of_commit";
    public const string ScanOlderThan = "scan_older_than";
    public const string MissingScanTypes = "missing_scan_types";
    public const string ExpiredAcceptances = "expired_acceptances";

    public static readonly string[] FindingConditions = [Severity, Cvss, Epss, EpssPercentile, Cve, KnownExploited, Secrets];
    public static readonly string[] GateConditions = [NoScanOfCommit, ScanOlderThan, MissingScanTypes, ExpiredAcceptances];

    [JsonPropertyName("when")] public string When { get; init; } = "";

    [JsonPropertyName("action")] public PolicyAction Action { get; init; } = PolicyAction.Block;

    /// <summary>severity, secrets: the lowest severity that matches (info, low, medium, high, critical).</summary>
    [JsonPropertyName("severity")] public string? MinSeverity { get; init; }

    /// <summary>severity: only findings with a fixed version (true), only without (false), or both (null).</summary>
    [JsonPropertyName("fix_available")] public bool? FixAvailable { get; init; }

    /// <summary>cvss (0–10), epss and epss_percentile (0–1): the lowest value that matches.</summary>
    [JsonPropertyName("min")] public double? Min { get; init; }

    /// <summary>epss: whether the product's estimates count (true by default: an unknown is not a zero).</summary>
    [JsonPropertyName("include_estimated")] public bool? IncludeEstimated { get; init; }

    /// <summary>cve: the vulnerability ids (CVE-…, GHSA-…) that match.</summary>
    [JsonPropertyName("ids")] public List<string>? Ids { get; init; }

    /// <summary>scan_older_than: days.</summary>
    [JsonPropertyName("days")] public int? Days { get; init; }

    /// <summary>missing_scan_types: scan types the release must have been scanned with (git_repo, container, sbom, k8s, vm).</summary>
    [JsonPropertyName("scan_types")] public List<string>? ScanTypes { get; init; }

    public bool IsFindingCondition => FindingConditions.Contains(When);

    /// <summary>Reads as a rule: "severity ≥ high with a fix available → block".</summary>
    public string Describe() => When switch
    {
        Severity => $"severity ≥ {MinSeverity}{FixAvailable switch { true => " with a fix available", false => " without a fix", _ => "" }}",
        Cvss => $"CVSS ≥ {Min?.ToString("0.0", CultureInfo.InvariantCulture)}",
        Epss => $"EPSS ≥ {Min?.ToString("0.###", CultureInfo.InvariantCulture)}{(IncludeEstimated == false ? " (FIRST's scores only)" : "")}",
        EpssPercentile => $"EPSS percentile ≥ {Min?.ToString("0.###", CultureInfo.InvariantCulture)}",
        Cve => $"vulnerability in {string.Join(", ", Ids ?? [])}",
        KnownExploited => "known exploited (CISA KEV, per the scanner)",
        Secrets => $"open secret of severity ≥ {MinSeverity ?? "info"}",
        NoScanOfCommit => "no scan of the release's commit",
        ScanOlderThan => $"scan older than {Days} days",
        MissingScanTypes => $"no {string.Join("/", ScanTypes ?? [])} scan",
        ExpiredAcceptances => "a risk acceptance has expired",
        _ => When,
    } + $" → {Action.ToString().ToLowerInvariant()}";
}

/// <summary>An environment's policy: its ordered conditions, as stored in <c>security_policy_versions.conditions</c>.</summary>
public sealed record SecurityPolicyDocument
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [JsonPropertyName("conditions")] public List<PolicyCondition> Conditions { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates a policy; errors name the condition (1-based) and the field.</summary>
    public static (SecurityPolicyDocument? Policy, IReadOnlyDictionary<string, string[]> Errors) Parse(string json)
    {
        SecurityPolicyDocument? policy;
        try
        {
            policy = JsonSerializer.Deserialize<SecurityPolicyDocument>(json, Json);
        }
        catch (JsonException e)
        {
            return (null, new Dictionary<string, string[]> { ["conditions"] = [$"Not a policy: {e.Message}"] });
        }

        if (policy is null)
        {
            return (null, new Dictionary<string, string[]> { ["conditions"] = ["The policy is empty."] });
        }

        var errors = policy.Validate();
        return (errors.Count == 0 ? policy : null, errors);
    }

    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(int i, string message) =>
            (errors.TryGetValue($"conditions[{i}]", out var list) ? list : errors[$"conditions[{i}]"] = []).Add($"Condition {i + 1}: {message}");

        if (Conditions.Count > 50)
        {
            errors["conditions"] = ["A policy has at most 50 conditions."];
        }

        for (var i = 0; i < Conditions.Count; i++)
        {
            var c = Conditions[i];
            if (!Enum.IsDefined(c.Action))
            {
                Add(i, "action is approve, warn or block.");
            }

            switch (c.When)
            {
                case PolicyCondition.Severity or PolicyCondition.Secrets:
                    if (c.When == PolicyCondition.Severity || c.MinSeverity is not null)
                    {
                        if (Severities.Parse(c.MinSeverity) is null)
                        {
                            Add(i, "severity is one of info, low, medium, high, critical.");
                        }
                    }

                    break;
                case PolicyCondition.Cvss:
                    if (c.Min is not (>= 0 and <= 10))
                    {
                        Add(i, "min is a CVSS score from 0 to 10.");
                    }

                    break;
                case PolicyCondition.Epss or PolicyCondition.EpssPercentile:
                    if (c.Min is not (>= 0 and <= 1))
                    {
                        Add(i, "min is a probability from 0 to 1 (0.1 means 10 %).");
                    }

                    break;
                case PolicyCondition.Cve:
                    if (c.Ids is not { Count: > 0 } || c.Ids.Any(id => string.IsNullOrWhiteSpace(id) || id.Length > 100))
                    {
                        Add(i, "ids lists the CVE or advisory ids (like CVE-2021-44228).");
                    }

                    break;
                case PolicyCondition.ScanOlderThan:
                    if (c.Days is not (>= 1 and <= 3650))
                    {
                        Add(i, "days is 1 to 3650.");
                    }

                    break;
                case PolicyCondition.MissingScanTypes:
                    if (c.ScanTypes is not { Count: > 0 } || c.ScanTypes.Any(t => !ScanKinds.TryParse(t, out ScanKind _)))
                    {
                        Add(i, "scan_types lists git_repo, container, vm, sbom or k8s.");
                    }

                    break;
                case PolicyCondition.KnownExploited or PolicyCondition.NoScanOfCommit or PolicyCondition.ExpiredAcceptances:
                    break;
                default:
                    Add(i, $"'{c.When}' is not a condition; use one of {string.Join(", ", PolicyCondition.FindingConditions.Concat(PolicyCondition.GateConditions))}.");
                    break;
            }
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    /// <summary>The policy an environment has before anyone writes one: its preset (Standard, Strict, Permissive) as conditions.</summary>
    public static SecurityPolicyDocument Preset(SecurityPolicy preset) => preset switch
    {
        SecurityPolicy.Strict => new()
        {
            Conditions =
            [
                new() { When = PolicyCondition.KnownExploited, Action = PolicyAction.Block },
                new() { When = PolicyCondition.Severity, MinSeverity = "high", Action = PolicyAction.Block },
                new() { When = PolicyCondition.Epss, Min = 0.5, Action = PolicyAction.Block },
                new() { When = PolicyCondition.Severity, MinSeverity = "medium", Action = PolicyAction.Warn },
                new() { When = PolicyCondition.Secrets, MinSeverity = "low", Action = PolicyAction.Block },
                new() { When = PolicyCondition.ExpiredAcceptances, Action = PolicyAction.Block },
                new() { When = PolicyCondition.NoScanOfCommit, Action = PolicyAction.Block },
                new() { When = PolicyCondition.ScanOlderThan, Days = 7, Action = PolicyAction.Block },
            ],
        },
        SecurityPolicy.Permissive => new()
        {
            Conditions =
            [
                new() { When = PolicyCondition.Severity, MinSeverity = "critical", Action = PolicyAction.Warn },
                new() { When = PolicyCondition.Secrets, MinSeverity = "high", Action = PolicyAction.Warn },
                new() { When = PolicyCondition.NoScanOfCommit, Action = PolicyAction.Warn },
            ],
        },
        _ => new()
        {
            Conditions =
            [
                new() { When = PolicyCondition.KnownExploited, Action = PolicyAction.Block },
                new() { When = PolicyCondition.Severity, MinSeverity = "critical", Action = PolicyAction.Block },
                new() { When = PolicyCondition.Secrets, MinSeverity = "high", Action = PolicyAction.Block },
                new() { When = PolicyCondition.Severity, MinSeverity = "high", Action = PolicyAction.Warn },
                new() { When = PolicyCondition.ExpiredAcceptances, Action = PolicyAction.Block },
                new() { When = PolicyCondition.NoScanOfCommit, Action = PolicyAction.Warn },
                new() { When = PolicyCondition.ScanOlderThan, Days = 30, Action = PolicyAction.Warn },
            ],
        },
    };
}
