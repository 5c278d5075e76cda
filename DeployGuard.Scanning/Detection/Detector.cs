using System.Globalization;
using System.Text.RegularExpressions;
using DeployGuard.Scanning.Suppressions;

namespace DeployGuard.Scanning.Detection;

/// <summary>
/// Receives each detected raw value with its hash. Only the history cleaner uses it, to re-find the values
/// of selected hashes; it is internal so that nothing outside the engine can observe a raw value.
/// </summary>
internal delegate void RawValueSink(string secretHash, string value);

/// <summary>
/// A secret found in a piece of content, before the path (and commit) it belongs to is known. Carries no
/// raw value. Path-dependent decisions (rule paths, path allowlists, baseline) are made in
/// <see cref="Detector.ToFinding"/>, so one blob's candidates serve every path and commit it appears in.
/// </summary>
internal sealed record Candidate(
    CompiledRule Rule,
    string SecretHash,
    string Preview,
    string ValuePattern,
    double Entropy,
    int Line,
    int Column,
    int EndLine,
    int EndColumn,
    Suppression? InlineSuppression,
    Suppression? PatternSuppression);

/// <summary>Finds candidates in text. Thread-safe: one instance serves all scanning threads.</summary>
internal sealed class Detector
{
    public const string AllowMarker = "deployguard:allow";

    private const int FollowingWindow = 64 * 1024;

    private readonly CompiledConfiguration _config;
    private readonly ScanOptions _options;
    private readonly RawValueSink? _sink;
    private readonly (Regex Regex, FalsePositivePattern Pattern)[] _falsePositives;

    public Detector(CompiledConfiguration config, ScanOptions options, RawValueSink? sink = null)
    {
        _config = config;
        _options = options;
        _sink = sink;
        _falsePositives = options.FalsePositivePatterns
            .Where(p => p.Confidence >= options.FalsePositiveMinConfidence && ValuePattern.IsValid(p.Pattern))
            .Select(p => (ValuePattern.ToRegex(p.Pattern), p))
            .ToArray();
    }

    public CompiledConfiguration Configuration => _config;

    public static IReadOnlyList<Candidate> NoCandidates { get; } = [];

    public IReadOnlyList<Candidate> Detect(string content)
    {
        if (content.Length == 0)
        {
            return NoCandidates;
        }

        var windows = KeywordWindows(content);
        if (windows is null)
        {
            return NoCandidates;
        }

        List<RawMatch>? matches = null;
        List<(int Start, int End)>? claimed = null;
        foreach (var rule in _config.Rules)
        {
            var ruleWindows = windows[rule.Index];
            if (ruleWindows is null)
            {
                continue;
            }

            try
            {
                foreach (var (start, end) in ruleWindows)
                {
                    for (var m = rule.RegexFor(end - start).Match(content, start, end - start); m.Success; m = m.NextMatch())
                    {
                        Consider(rule, content, m, ref matches, ref claimed);
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological (custom) regex on this content: skip the rule here rather than hang the scan.
            }
        }

        return matches is null ? NoCandidates : ToCandidates(content, matches);
    }

    /// <summary>Applies what depends on the path: rule paths, path allowlists, the baseline.</summary>
    public Finding? ToFinding(Candidate candidate, string path, CommitInfo? commit)
    {
        if (_config.Global.AllowsPath(path) || !candidate.Rule.AppliesTo(path))
        {
            return null;
        }

        var rule = candidate.Rule.Rule;
        var suppression = candidate.InlineSuppression;
        if (suppression is null && _options.Baseline is { } baseline && baseline.Contains(rule.Id, candidate.SecretHash, path))
        {
            suppression = new Suppression(SuppressionKind.Baseline,
                baseline.Source is null ? "accepted in the baseline" : $"accepted in baseline {Path.GetFileName(baseline.Source)}");
        }

        suppression ??= candidate.PatternSuppression;
        return new Finding
        {
            RuleId = rule.Id,
            Description = rule.Description,
            SecretType = rule.SecretType,
            Severity = rule.Severity,
            SecretHash = candidate.SecretHash,
            RedactedPreview = candidate.Preview,
            ValuePattern = candidate.ValuePattern,
            FilePath = path,
            Line = candidate.Line,
            Column = candidate.Column,
            EndLine = candidate.EndLine,
            EndColumn = candidate.EndColumn,
            Entropy = Math.Round(candidate.Entropy, 3),
            Commit = commit,
            Suppression = suppression,
        };
    }

    private void Consider(CompiledRule rule, string content, Match m, ref List<RawMatch>? matches, ref List<(int Start, int End)>? claimed)
    {
        var group = m.Groups[rule.SecretGroup];
        if (!group.Success || group.Length == 0)
        {
            return;
        }

        var start = group.Index;
        var end = group.Index + group.Length;
        if (Overlaps(claimed, start, end))
        {
            return;
        }

        var value = group.Value;
        var entropy = Entropy.Shannon(value);
        if (rule.Rule.MinEntropy is { } min && entropy < min)
        {
            return;
        }

        if (rule.Rule.Validator is { } validator && !validator(value))
        {
            return;
        }

        claimed ??= [];
        claimed.Add((start, end));
        if (IsAllowlisted(rule, content, m, value, start))
        {
            return;
        }

        matches ??= [];
        matches.Add(new RawMatch(rule, start, end, value, entropy));
    }

    /// <summary>
    /// Per rule, the ranges of the content its regex must look at: null when none of its keywords occur, the
    /// whole content for rules without keywords or without a declared window, else the lines around each hit
    /// (merged). Running regexes on those lines only, rather than on whole files, is most of the engine's speed.
    /// </summary>
    private List<(int Start, int End)>?[]? KeywordWindows(string content)
    {
        List<(int Start, int End)>?[]? windows = null;
        foreach (var index in _config.AlwaysRules)
        {
            windows ??= new List<(int, int)>?[_config.Rules.Length];
            windows[index] = [(0, content.Length)];
        }

        var lowered = content.ToLowerInvariant().AsSpan();
        var text = content.AsSpan();
        int[]? covered = null;
        var offset = 0;
        while (offset < lowered.Length)
        {
            var hit = lowered[offset..].IndexOfAny(_config.KeywordSearch);
            if (hit < 0)
            {
                break;
            }

            hit += offset;
            offset = hit + 1;
            if (!_config.KeywordsByFirstChar.TryGetValue(lowered[hit], out var keywords))
            {
                continue;
            }

            foreach (var k in keywords)
            {
                if (!lowered[hit..].StartsWith(_config.KeywordList[k], StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var ruleIndex in _config.KeywordRules[k])
                {
                    covered ??= new int[_config.Rules.Length];
                    if (hit < covered[ruleIndex])
                    {
                        continue;
                    }

                    windows ??= new List<(int, int)>?[_config.Rules.Length];
                    var window = _config.Rules[ruleIndex].Rule.Window;
                    if (window == Rules.KeywordWindow.Whole)
                    {
                        windows[ruleIndex] = [(0, content.Length)];
                        covered[ruleIndex] = content.Length;
                        continue;
                    }

                    var lineStart = text[..hit].LastIndexOf('\n') + 1;
                    var newline = text[hit..].IndexOf('\n');
                    var end = newline < 0 ? text.Length : hit + newline;
                    if (window == Rules.KeywordWindow.Following)
                    {
                        end = Math.Max(end, Math.Min(text.Length, hit + FollowingWindow));
                    }

                    var list = windows[ruleIndex] ??= [];
                    if (list.Count > 0 && list[^1].End >= lineStart)
                    {
                        list[^1] = (list[^1].Start, Math.Max(list[^1].End, end));
                    }
                    else
                    {
                        list.Add((lineStart, end));
                    }

                    covered[ruleIndex] = end;
                }
            }
        }

        return windows;
    }

    private bool IsAllowlisted(CompiledRule rule, string content, Match match, string value, int start)
    {
        string? line = null;
        string Line() => line ??= LineAt(content, start);

        if (_config.Global.AllowsValue(value, match.Value, Line()))
        {
            return true;
        }

        foreach (var allowlist in rule.Allowlists)
        {
            if (allowlist.AllowsValue(value, match.Value, Line()))
            {
                return true;
            }
        }

        return false;
    }

    private IReadOnlyList<Candidate> ToCandidates(string content, List<RawMatch> matches)
    {
        matches.Sort((a, b) => a.Start.CompareTo(b.Start));
        var result = new List<Candidate>(matches.Count);
        var text = content.AsSpan();
        int position = 0, line = 1, lineStart = 0;

        foreach (var match in matches)
        {
            Advance(text, match.Start, ref position, ref line, ref lineStart);
            var (startLine, startColumn) = (line, match.Start - lineStart + 1);
            var (endLine, endLineStart) = (line, lineStart);
            var newlines = text[match.Start..match.End].Count('\n');
            if (newlines > 0)
            {
                endLine += newlines;
                endLineStart = text[..match.End].LastIndexOf('\n') + 1;
            }

            var hash = SecretHasher.Hash(match.Value);
            _sink?.Invoke(hash, match.Value);
            result.Add(new Candidate(
                match.Rule,
                hash,
                SecretHasher.Redact(match.Value),
                ValuePattern.Derive(match.Value, KnownPrefix(match.Rule, match.Value)),
                match.Entropy,
                startLine,
                startColumn,
                endLine,
                match.End - endLineStart + 1,
                InlineSuppression(text, match.Start, match.End, startLine),
                PatternSuppression(match.Rule, match.Value)));
        }

        return result;
    }

    private Suppression? PatternSuppression(CompiledRule rule, string value)
    {
        foreach (var (regex, pattern) in _falsePositives)
        {
            if ((pattern.RuleId is null || pattern.RuleId == rule.Rule.Id) && regex.IsMatch(value))
            {
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"matches learned false-positive pattern '{pattern.Pattern}' (confidence {pattern.Confidence:0.00}, {pattern.SampleCount} samples)");
                return new Suppression(SuppressionKind.FalsePositivePattern,
                    string.IsNullOrWhiteSpace(pattern.Reason) ? reason : $"{reason}: {pattern.Reason}");
            }
        }

        return null;
    }

    private static Suppression? InlineSuppression(ReadOnlySpan<char> text, int start, int end, int line)
    {
        var from = text[..start].LastIndexOf('\n') + 1;
        var to = text[end..].IndexOf('\n');
        var lines = text[from..(to < 0 ? text.Length : end + to)];
        return lines.Contains(AllowMarker, StringComparison.OrdinalIgnoreCase)
            ? new Suppression(SuppressionKind.InlineComment, $"{AllowMarker} comment on line {line}")
            : null;
    }

    private static string? KnownPrefix(CompiledRule rule, string value)
    {
        foreach (var keyword in rule.Keywords)
        {
            if (value.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return value[..keyword.Length];
            }
        }

        return null;
    }

    private static void Advance(ReadOnlySpan<char> text, int target, ref int position, ref int line, ref int lineStart)
    {
        if (target <= position)
        {
            return;
        }

        var segment = text[position..target];
        var count = segment.Count('\n');
        if (count > 0)
        {
            line += count;
            lineStart = position + segment.LastIndexOf('\n') + 1;
        }

        position = target;
    }

    private static string LineAt(string content, int index)
    {
        var start = content.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        if (index == 0)
        {
            start = 0;
        }

        var end = content.IndexOf('\n', index);
        return content[start..(end < 0 ? content.Length : end)].TrimEnd('\r');
    }

    private static bool Overlaps(List<(int Start, int End)>? claimed, int start, int end)
    {
        if (claimed is null)
        {
            return false;
        }

        foreach (var (s, e) in claimed)
        {
            if (start < e && s < end)
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct RawMatch(CompiledRule Rule, int Start, int End, string Value, double Entropy);
}
