using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>
/// What every agent is given about a scan, and all it is given: findings' metadata (ids, packages, versions, scores,
/// fixes; the riskiest first when there are more than a prompt takes), the service's exposure and counts over all findings. Never a secret's value, preview, hash or a scanner's free-text message,
/// which may quote code. The deterministic provider reads exactly this JSON back, so it sees what a model would.
/// </summary>
public sealed record AgentContext(
    Guid ScanId,
    string ScanType,
    string Target,
    string? Scanner,
    string? Service,
    bool InternetFacing,
    bool InProduction,
    int TotalFindings,
    IReadOnlyDictionary<string, int> OpenBySeverity,
    int KnownExploited,
    int OpenSecretFindings,
    IReadOnlyList<AgentFinding> Findings)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static AgentContext? FromJson(string json) => JsonSerializer.Deserialize<AgentContext>(json, Json);
}

/// <summary>One finding as agents see it.</summary>
/// <param name="ServicesWithPackage">How many services (or targets without a service) have an open finding in this package.</param>
public sealed record AgentFinding(
    string Id,
    string? Cve,
    string Kind,
    string Severity,
    string Status,
    string? Package,
    string? Version,
    string? Ecosystem,
    string? Purl,
    string? Path,
    double? Cvss,
    double? Epss,
    bool EpssEstimated,
    bool KnownExploited,
    string? FixedVersions,
    bool? Direct,
    int ServicesWithPackage);
