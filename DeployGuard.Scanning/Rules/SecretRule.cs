namespace DeployGuard.Scanning.Rules;

/// <summary>
/// A detection rule. <see cref="Pattern"/> is a .NET regular expression; the secret is the named group
/// <c>secret</c>, else group <see cref="SecretGroup"/>, else the whole match. The rule only runs on content
/// that contains one of its <see cref="Keywords"/> (case-insensitive), which is what keeps scanning fast.
/// </summary>
public sealed record SecretRule
{
    public required string Id { get; init; }

    public required string Description { get; init; }

    public SecretType SecretType { get; init; } = SecretType.Generic;

    public Severity Severity { get; init; } = Severity.High;

    public required string Pattern { get; init; }

    /// <summary>Empty means "always run" (slow on large trees: give keywords whenever possible).</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>Minimum Shannon entropy (bits per character) of the secret; null for none.</summary>
    public double? MinEntropy { get; init; }

    /// <summary>Capture group holding the secret when the pattern has no group named <c>secret</c>.</summary>
    public int? SecretGroup { get; init; }

    /// <summary>Optional regular expression the file path must match for the rule to apply.</summary>
    public string? PathPattern { get; init; }

    public IReadOnlyList<RuleAllowlist> Allowlists { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Extra check on the value that a regex cannot express (built-in rules only).</summary>
    internal Func<string, bool>? Validator { get; init; }

    /// <summary>
    /// Where a match can be relative to a keyword hit. Built-in rules declare it so that their regex runs only
    /// on the lines around keyword hits; custom rules run on the whole content, since nothing is known of them.
    /// </summary>
    internal KeywordWindow Window { get; init; } = KeywordWindow.Whole;

    /// <summary>
    /// Generic assignment rules (a secret-sounding name, then <c>=</c> or <c>:</c>, then a value): a keyword hit
    /// counts only when an assignment operator follows it within <see cref="AssignmentWithin"/> characters of
    /// identifier, quote and blanks; and minified files (bundles, where names are not a developer's) skip them.
    /// </summary>
    internal bool NeedsCodeContext { get; init; }

    internal int AssignmentWithin { get; init; } = 128;

    /// <summary>
    /// Written for a linear-time engine (gitleaks' Go RE2): run with <see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/>
    /// when the pattern allows, since such patterns never had to avoid catastrophic backtracking.
    /// </summary>
    internal bool LinearTime { get; init; }
}

/// <summary>How far from a keyword hit a rule's match can extend.</summary>
internal enum KeywordWindow
{
    /// <summary>Anywhere in the content.</summary>
    Whole,

    /// <summary>Within the line of the keyword.</summary>
    Line,

    /// <summary>From the keyword's line to at most 64 KiB after the keyword (key blocks).</summary>
    Following,
}

/// <summary>How an allowlist's kinds of conditions (paths, regexes, stop words) combine.</summary>
public enum AllowlistCondition
{
    Or,
    And,
}

/// <summary>Where an allowlist regex is matched.</summary>
public enum AllowlistTarget
{
    Secret,
    Match,
    Line,
}

/// <summary>
/// Known non-secrets for one rule, or for all rules when it is the configuration's global allowlist.
/// A candidate is dropped (not reported at all) when any one of the conditions holds.
/// </summary>
public sealed record RuleAllowlist
{
    public string? Description { get; init; }

    /// <summary>Regular expressions matched against the file path (forward slashes).</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>Regular expressions matched against <see cref="RegexTarget"/>.</summary>
    public IReadOnlyList<string> Regexes { get; init; } = [];

    public AllowlistTarget RegexTarget { get; init; } = AllowlistTarget.Secret;

    /// <summary>Words that, when contained in the secret (case-insensitive), mark it as a placeholder.</summary>
    public IReadOnlyList<string> StopWords { get; init; } = [];

    /// <summary>
    /// OR (default): any one listed path, regex or stop word allows. AND (gitleaks' <c>condition = "AND"</c>): every
    /// kind that is listed must match, e.g. a path of the list and one of the regexes.
    /// </summary>
    public AllowlistCondition Condition { get; init; } = AllowlistCondition.Or;


    public bool IsEmpty => Paths.Count == 0 && Regexes.Count == 0 && StopWords.Count == 0;
}
