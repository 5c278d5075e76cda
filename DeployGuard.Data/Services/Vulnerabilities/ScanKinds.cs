using DeployGuard.Data.Configurations;
using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>The seed's wire names of scan types, statuses and finding statuses (git_repo, accepted_risk...).</summary>
public static class ScanKinds
{
    public static string Name(ScanKind kind) => WireEnum<ScanKind>.Name(kind);

    public static string Name(ScanState state) => WireEnum<ScanState>.Name(state);

    public static string Name(VulnerabilityStatus status) => WireEnum<VulnerabilityStatus>.Name(status);

    public static string Name(FindingKind kind) => WireEnum<FindingKind>.Name(kind);

    public static bool TryParse(string? text, out ScanKind kind) => TryParse<ScanKind>(text, out kind);

    public static bool TryParse(string? text, out ScanState state) => TryParse<ScanState>(text, out state);

    public static bool TryParse(string? text, out VulnerabilityStatus status) => TryParse<VulnerabilityStatus>(text, out status);

    private static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        var name = text?.Trim().ToLowerInvariant();
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (WireEnum<T>.Name(candidate) == name)
            {
                value = candidate;
                return true;
            }
        }

        return false;
    }
}

/// <summary>What may be handed to a scanner command as its <c>{target}</c>.</summary>
public static class ScannerTargets
{
    /// <summary>Why <paramref name="target"/> may not be handed to a scanner, or null. An option-looking target would be read as an option.</summary>
    public static string? Refuse(string target) =>
        target.Length == 0 ? "The target is empty."
        : target.StartsWith('-') ? "A target may not start with '-' (the scanner would read it as an option)."
        : target.Any(char.IsControl) ? "A target may not contain control characters or line breaks."
        : null;
}
