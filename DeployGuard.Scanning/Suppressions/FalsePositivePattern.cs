namespace DeployGuard.Scanning.Suppressions;

/// <summary>
/// A value shape known to be a false positive (seed 01 <c>known_false_positive_patterns</c>), e.g.
/// <c>AKIA[upper:16]</c> learned from triage. The web app derives these from feedback and passes them in
/// <see cref="ScanOptions.FalsePositivePatterns"/>; the engine matches them against raw values
/// internally, so they work without the values ever leaving the engine.
/// </summary>
public sealed record FalsePositivePattern(string Pattern, double Confidence, string? Reason = null, int SampleCount = 0, string? RuleId = null);
