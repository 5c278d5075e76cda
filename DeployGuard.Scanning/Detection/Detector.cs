using System.Globalization;
using System.Text.RegularExpressions;
using DeployGuard.Scanning.Rules;
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
    Suppression? PatternSuppression)
{
    /// <summary>AND allowlists whose value conditions matched: the candidate is dropped where one of their paths matches.</summary>
    public CompiledAllowlist[]? AllowedOnPaths { get; init; }
}

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

    public IReadOnlyList<Candidate> Detect(string content) => Detect(content.AsSpan(), ContentSniffer.Classify(content));

    /// <summary>
    /// The candidates in <paramref name="text"/>. Only the lines around keyword hits are copied into strings for
    /// the regexes (which need one); the rest of the text is read in place. Minified text runs the rules that need
    /// no code context only (<see cref="SecretRule.NeedsCodeContext"/>).
    /// </summary>
    public IReadOnlyList<Candidate> Detect(ReadOnlySpan<char> text, ContentKind kind)
    {
        if (text.IsEmpty || kind == ContentKind.Binary)
        {
            return NoCandidates;
        }

        var windows = KeywordWindows(text, kind);
        if (windows is null)
        {
            return NoCandidates;
        }

        var segments = new Segments(windows);
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
                    // Most windows hold a keyword and no match: the span search says so without copying the window
                    // into a string or allocating a Match (it sees exactly the window, as Match(segment, start, length) does).
                    var regex = rule.RegexFor(end - start);
                    if (!regex.IsMatch(text[start..end]))
                    {
                        continue;
                    }

                    var (segment, offset) = segments.Containing(text, start, end);
                    for (var m = regex.Match(segment, start - offset, end - start); m.Success; m = m.NextMatch())
                    {
                        Consider(rule, text, m, offset, ref matches, ref claimed);
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological (custom) regex on this content: skip the rule here rather than hang the scan.
            }
        }

        return matches is null ? NoCandidates : ToCandidates(text, matches);
    }

    /// <summary>Applies what depends on the path: rule paths, path allowlists, the baseline.</summary>
    public Finding? ToFinding(Candidate candidate, string path, CommitInfo? commit)
    {
        if (_config.Global.AllowsPath(path) || !candidate.Rule.AppliesTo(path))
        {
            return null;
        }

        foreach (var allowlist in candidate.AllowedOnPaths ?? [])
        {
            if (allowlist.AllowsPath(path))
            {
                return null;
            }
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

    private void Consider(CompiledRule rule, ReadOnlySpan<char> text, Match m, int offset, ref List<RawMatch>? matches, ref List<(int Start, int End)>? claimed)
    {
        var group = m.Groups[rule.SecretGroup];
        if (!group.Success || group.Length == 0)
        {
            return;
        }

        var start = offset + group.Index;
        var end = start + group.Length;
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
        var line = LineAt(text, start);
        if (_config.Global.AllowsValue(value, m.Value, line))
        {
            return;
        }

        List<CompiledAllowlist>? onPaths = null;
        foreach (var allowlist in rule.Allowlists)
        {
            switch (allowlist.Matches(value, m.Value, line))
            {
                case AllowlistVerdict.Allowed:
                    return;
                case AllowlistVerdict.AllowedOnItsPaths:
                    (onPaths ??= []).Add(allowlist);
                    break;
            }
        }

        matches ??= [];
        matches.Add(new RawMatch(rule, start, end, value, entropy, onPaths?.ToArray()));
    }

    /// <summary>
    /// Per rule, the ranges of the text its regex must look at: null when none of its keywords occur, the whole
    /// text for rules without keywords or without a declared window, else the lines around each hit (merged).
    /// Running regexes on those lines only, rather than on whole files, is most of the engine's speed. The
    /// keywords are found in one pass (<see cref="KeywordIndex"/>, ignoring case); a hit of a generic assignment rule
    /// counts only when an assignment follows it.
    /// </summary>
    private List<(int Start, int End)>?[]? KeywordWindows(ReadOnlySpan<char> text, ContentKind kind)
    {
        var rules = _config.Rules;
        List<(int Start, int End)>?[]? windows = null;
        foreach (var index in _config.AlwaysRules)
        {
            if (kind != ContentKind.Minified || !rules[index].Rule.NeedsCodeContext)
            {
                windows ??= new List<(int, int)>?[rules.Length];
                windows[index] = [(0, text.Length)];
            }
        }

        int[]? covered = null;
        // The line of the latest hit: hits come in text order, so finding line bounds costs one pass in all (a
        // minified file is one long line with thousands of hits).
        int lineStart = 0, lineEnd = -1;
        foreach (var (hit, k) in _config.Keywords.Hits(text))
        {
            foreach (var ruleIndex in _config.KeywordRules[k])
            {
                covered ??= new int[rules.Length];
                if (hit < covered[ruleIndex])
                {
                    continue;
                }

                var rule = rules[ruleIndex].Rule;
                if (rule.NeedsCodeContext && (kind == ContentKind.Minified || !AssignmentFollows(text, hit, rule.AssignmentWithin)))
                {
                    continue;
                }

                windows ??= new List<(int, int)>?[rules.Length];
                if (rule.Window == KeywordWindow.Whole)
                {
                    windows[ruleIndex] = [(0, text.Length)];
                    covered[ruleIndex] = text.Length;
                    continue;
                }

                if (hit > lineEnd)
                {
                    var from = lineEnd + 1;
                    var previous = text[from..hit].LastIndexOf('\n');
                    lineStart = previous < 0 ? from : from + previous + 1;
                    var newline = text[hit..].IndexOf('\n');
                    lineEnd = newline < 0 ? text.Length : hit + newline;
                }

                var end = lineEnd;
                if (rule.Window == KeywordWindow.Following)
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

        return windows;
    }

    /// <summary>
    /// The generic rules' prefilter: after the keyword, the rest of an identifier (at most
    /// <paramref name="within"/> characters), an optional closing quote, blanks, then <c>=</c> or <c>:</c>.
    /// Every match of those rules has this shape, so a hit without it (<c>keys.map(key =&gt; …)</c>,
    /// <c>getToken()</c>) cannot start one and its line is not handed to the regex.
    /// </summary>
    internal static bool AssignmentFollows(ReadOnlySpan<char> text, int hit, int within)
    {
        var i = hit;
        var limit = (int)Math.Min(text.Length, (long)hit + within);
        while (i < limit && IsIdentifierChar(text[i]))
        {
            i++;
        }

        if (i < text.Length && text[i] is '"' or '\'')
        {
            i++;
        }

        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }

        return i < text.Length && text[i] is '=' or ':';
    }

    // Regex \w (letters, digits, '_' and, beyond ASCII, any letter or mark) and the '.' and '-' of key names.
    private static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' || c >= 0x80;

    private IReadOnlyList<Candidate> ToCandidates(ReadOnlySpan<char> text, List<RawMatch> matches)
    {
        matches.Sort((a, b) => a.Start.CompareTo(b.Start));
        var result = new List<Candidate>(matches.Count);
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
                PatternSuppression(match.Rule, match.Value))
            {
                AllowedOnPaths = match.AllowedOnPaths,
            });
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

    /// <summary>The line holding <paramref name="index"/>, without its line break (allowlists with regexTarget line).</summary>
    private static string LineAt(ReadOnlySpan<char> text, int index)
    {
        var start = index == 0 ? 0 : text[..index].LastIndexOf('\n') + 1;
        var end = text[index..].IndexOf('\n');
        return text[start..(end < 0 ? text.Length : index + end)].TrimEnd('\r').ToString();
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

    private readonly record struct RawMatch(CompiledRule Rule, int Start, int End, string Value, double Entropy, CompiledAllowlist[]? AllowedOnPaths);

    /// <summary>
    /// The union of every rule's windows, each copied once into a string when a regex first needs it. A regex runs
    /// on its window as a substring (<c>Match(segment, start, length)</c>), which sees exactly the window, as before.
    /// </summary>
    private sealed class Segments
    {
        private readonly List<(int Start, int End)> _ranges;
        private readonly string?[] _texts;
        private int _last;

        public Segments(List<(int Start, int End)>?[] windows)
        {
            var all = new List<(int Start, int End)>();
            foreach (var list in windows)
            {
                if (list is not null)
                {
                    all.AddRange(list);
                }
            }

            all.Sort((a, b) => a.Start.CompareTo(b.Start));
            _ranges = new List<(int, int)>(all.Count);
            foreach (var (start, end) in all)
            {
                if (_ranges.Count > 0 && _ranges[^1].End >= start)
                {
                    _ranges[^1] = (_ranges[^1].Start, Math.Max(_ranges[^1].End, end));
                }
                else
                {
                    _ranges.Add((start, end));
                }
            }

            _texts = new string?[_ranges.Count];
        }

        public (string Text, int Offset) Containing(ReadOnlySpan<char> text, int start, int end)
        {
            // Rules walk their windows in order, so the previous answer or the next one usually fits.
            var i = _last < _ranges.Count && _ranges[_last].Start <= start ? _last : 0;
            while (_ranges[i].End < end)
            {
                i++;
            }

            _last = i;
            var (from, to) = _ranges[i];
            return (_texts[i] ??= text[from..to].ToString(), from);
        }
    }
}
