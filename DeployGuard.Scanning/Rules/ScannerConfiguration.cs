using DeployGuard.Scanning.Configuration;

namespace DeployGuard.Scanning.Rules;

/// <summary>The rules and the global allowlist a scan runs with.</summary>
public sealed record ScannerConfiguration
{
    /// <summary>Rules in priority order: when two rules find overlapping secrets, the earlier one wins.</summary>
    public required IReadOnlyList<SecretRule> Rules { get; init; }

    public RuleAllowlist GlobalAllowlist { get; init; } = new();

    /// <summary>Ids of rules in the file that are not run: gitleaks rules that match a file name only (no regex).</summary>
    public IReadOnlyList<string> SkippedRules { get; init; } = [];

    /// <summary>The built-in rules and the default global allowlist.</summary>
    public static ScannerConfiguration Default { get; } = new()
    {
        Rules = BuiltInRules.All,
        GlobalAllowlist = BuiltInRules.DefaultGlobalAllowlist,
    };

    /// <summary>Loads a YAML (<c>.yml</c>, <c>.yaml</c>) or gitleaks-style TOML (<c>.toml</c>) file.</summary>
    public static ScannerConfiguration Load(string path) => ConfigurationLoader.Load(path);

    /// <summary>Throws <see cref="ScannerConfigurationException"/> describing the first invalid rule.</summary>
    public void Validate() => _ = Detection.CompiledConfiguration.Compile(this);
}

/// <summary>A configuration file or rule is invalid; the message says which and why.</summary>
public sealed class ScannerConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
