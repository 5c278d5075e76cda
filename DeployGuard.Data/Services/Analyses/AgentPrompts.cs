using Microsoft.Extensions.AI;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>
/// The messages an agent sends: a system message saying the task and the JSON to answer with, and a user message that
/// is the scan's <see cref="AgentContext"/> as JSON, nothing else (so no secret can ride along in free text).
/// </summary>
public static class AgentPrompts
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key naming the agent (the deterministic provider dispatches on it).</summary>
    public const string AgentProperty = "deployguard_agent";

    private const string Common = """
        You are a security analyst in DeployGuard, a deployment control plane. The user message is a JSON document
        describing one vulnerability scan: the service's exposure (internet_facing, in_production), counts over all open
        findings, and the riskiest findings with their metadata (id, cve, package, version, ecosystem, cvss, epss,
        epss_estimated, known_exploited, fixed_versions, direct). Use only that data; do not invent CVEs or versions.
        Answer with one JSON object and nothing else.
        """;

    public static string System(string agent) => Common + "\n" + agent switch
    {
        AgentNames.Prioritization => """
            Task: prioritise the findings. Risk = CVSS × EPSS × exposure (exposure 1, ×1.5 in production, ×1.5 internet-facing;
            a known-exploited finding counts as EPSS 1). Buckets: P1 risk ≥ 2, P2 ≥ 0.5, P3 ≥ 0.1, P4 below.
            JSON: {"summary": string, "exposure": number, "exposure_factors": [string], "by_priority": {"P1": int, "P2": int, "P3": int, "P4": int},
            "items": [{"rank": int, "id": string, "package": string, "version": string, "severity": string, "cvss": number, "epss": number,
            "risk": number, "priority": string, "reason": string}]}
            """,
        AgentNames.SupplyChain => """
            Task: describe the supply chain: ecosystems, direct versus transitive dependencies, packages seen in few services
            (services_with_package), packages with no fixed version.
            JSON: {"summary": string, "packages": int, "direct": int, "transitive": int, "unknown": int,
            "ecosystems": [{"ecosystem": string, "packages": int, "findings": int, "direct": int, "transitive": int, "unknown": int}],
            "seen_in_few_services": [{"package": string, "version": string, "ecosystem": string, "services": int, "findings": int, "highest_severity": string}],
            "packages_without_fix": [string]}
            """,
        AgentNames.Remediation => """
            Task: plan the remediation from fixed_versions: one upgrade per package to the lowest version that fixes all of
            its vulnerabilities, with the command for its ecosystem, largest first so one bump fixes many CVEs.
            JSON: {"summary": string, "fixable": int, "without_fix": int,
            "upgrades": [{"ecosystem": string, "package": string, "from": string, "to": string, "command": string, "fixes": int,
            "highest_severity": string, "vulnerabilities": [string]}], "no_fix_available": [string]}
            """,
        AgentNames.Security => """
            Task: decide whether this scan allows a deployment: "reject" for any critical, known-exploited or leaked secret,
            "warn" for high severity, "approve" otherwise, with the reasoning in one or two sentences.
            JSON: {"decision": "approve"|"warn"|"reject", "vulnerabilities_found": int, "critical": int, "high": int, "medium": int,
            "low": int, "known_exploited": int, "open_secrets": int, "reasoning": string, "recommendation": string}
            """,
        _ => throw new ArgumentOutOfRangeException(nameof(agent), agent, "Unknown agent."),
    };

    public static IList<ChatMessage> Messages(string agent, string contextJson) =>
        [new ChatMessage(ChatRole.System, System(agent)), new ChatMessage(ChatRole.User, contextJson)];

    public static ChatOptions Options(string agent, string? model) => new()
    {
        ModelId = model,
        Temperature = 0,
        ResponseFormat = ChatResponseFormat.Json,
        AdditionalProperties = new AdditionalPropertiesDictionary { [AgentProperty] = agent },
    };
}
