using System.Text.RegularExpressions;
using DeployGuard.Scanning.Rules;

namespace DeployGuard.Scanning.Detection;

/// <summary>A rule with its regular expressions built once and shared by every scanning thread.</summary>
internal sealed class CompiledRule
{
    // Generous: a pathological custom regex gives up on one file instead of hanging the scan.
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(5);

    // Custom rules are tiered like the JIT: interpreted first (no start-up cost for small scans), compiled once a
    // rule has scanned enough text for Reflection.Emit (tens of milliseconds per regex) to pay off.
    private const long CompileThreshold = 256 * 1024;

    private readonly Lazy<Regex> _interpreted;
    private readonly Lazy<Regex> _compiled;
    private readonly Regex? _generated;
    private readonly Lazy<Regex?>? _linear;
    private long _scanned;
    private volatile bool _useCompiled;

    public CompiledRule(SecretRule rule, int index)
    {
        Rule = rule;
        Index = index;
        // Built-in rules: compiled ahead of time by the source generator. Custom rules: built lazily (most never see
        // their keywords in a given repository), interpreted first, compiled once hot.
        _generated = BuiltInRegexes.For(rule);
        _interpreted = new Lazy<Regex>(() => new Regex(rule.Pattern, RegexOptions.CultureInvariant, MatchTimeout));
        _compiled = new Lazy<Regex>(() => new Regex(rule.Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, MatchTimeout));
        _linear = rule.LinearTime ? new Lazy<Regex?>(() => TryNonBacktracking(rule.Pattern)) : null;
        Keywords = rule.Keywords.Select(k => k.ToLowerInvariant()).Where(k => k.Length > 0).Distinct().ToArray();
        PathRegex = rule.PathPattern is null ? null : CompiledConfiguration.BuildRegex(rule.PathPattern, $"rule '{rule.Id}' path");
        Allowlists = rule.Allowlists.Select(a => new CompiledAllowlist(a, $"rule '{rule.Id}' allowlist")).ToArray();

        // Validate now, with a message naming the rule, rather than failing on the first file.
        Regex probe;
        try
        {
            probe = _generated ?? new Regex(rule.Pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ScannerConfigurationException($"Rule '{rule.Id}': invalid regex: {e.Message}", e);
        }

        var named = probe.GroupNumberFromName("secret");
        if (named >= 0)
        {
            SecretGroup = named;
        }
        else if (rule.SecretGroup is { } group)
        {
            if (group < 0 || group >= probe.GetGroupNumbers().Length)
            {
                throw new ScannerConfigurationException($"Rule '{rule.Id}': secretGroup {group} does not exist in the regex.");
            }

            SecretGroup = group;
        }
        else
        {
            SecretGroup = 0;
        }
    }

    public SecretRule Rule { get; }

    public int Index { get; }

    /// <summary>The regex to run over <paramref name="length"/> characters; switches to the compiled form when hot.</summary>
    public Regex RegexFor(int length)
    {
        if (_generated is not null)
        {
            return _generated;
        }

        if (_linear?.Value is { } linear)
        {
            return linear;
        }

        if (_useCompiled)
        {
            return _compiled.Value;
        }

        if (Interlocked.Add(ref _scanned, length) > CompileThreshold)
        {
            var compiled = _compiled.Value;
            _useCompiled = true;
            return compiled;
        }

        return _interpreted.Value;
    }

    public int SecretGroup { get; }

    /// <summary>
    /// The linear-time engine for an RE2 pattern: no backtracking, so no input makes it take more than time
    /// proportional to the input (a nested quantifier that a backtracking engine explores exponentially is one pass).
    /// Null when the pattern uses what it lacks (lookarounds, backreferences, atomic groups), which RE2 lacks too,
    /// so a gitleaks pattern fits unless it was written for DeployGuard.
    /// </summary>
    private static Regex? TryNonBacktracking(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    public string[] Keywords { get; }

    public Regex? PathRegex { get; }

    public CompiledAllowlist[] Allowlists { get; }

    /// <summary>The rule applies to this path and no path allowlist excludes it.</summary>
    public bool AppliesTo(string path)
    {
        if (PathRegex is not null && !PathRegex.IsMatch(path))
        {
            return false;
        }

        foreach (var allowlist in Allowlists)
        {
            // An AND allowlist's paths allow only together with its other conditions (see Detector.ToFinding).
            if (!allowlist.IsAnd && allowlist.AllowsPath(path))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>What an allowlist says of a candidate value.</summary>
internal enum AllowlistVerdict
{
    NotAllowed,
    Allowed,

    /// <summary>An AND allowlist with paths: its value conditions hold, so the candidate is dropped on its paths.</summary>
    AllowedOnItsPaths,
}

internal sealed class CompiledAllowlist(RuleAllowlist allowlist, string owner)
{
    private readonly Regex[] _paths = allowlist.Paths.Select(p => CompiledConfiguration.BuildRegex(p, owner + " path")).ToArray();
    private readonly Regex[] _regexes = allowlist.Regexes.Select(p => CompiledConfiguration.BuildRegex(p, owner + " regex")).ToArray();
    private readonly string[] _stopWords = allowlist.StopWords.Where(w => w.Length > 0).ToArray();

    public bool IsAnd => allowlist.Condition == AllowlistCondition.And;

    /// <summary>One of the paths matches (for an OR allowlist, that alone allows).</summary>
    public bool AllowsPath(string path)
    {
        foreach (var regex in _paths)
        {
            if (regex.IsMatch(path))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>OR: a regex or a stop word matches. The global allowlist is always OR.</summary>
    public bool AllowsValue(string secret, string match, string line) => RegexMatches(secret, match, line) || StopWordMatches(secret);

    public AllowlistVerdict Matches(string secret, string match, string line)
    {
        if (!IsAnd)
        {
            return AllowsValue(secret, match, line) ? AllowlistVerdict.Allowed : AllowlistVerdict.NotAllowed;
        }

        // AND: every kind of condition that is listed must hold; the path part is decided per path later.
        if ((_regexes.Length > 0 && !RegexMatches(secret, match, line)) || (_stopWords.Length > 0 && !StopWordMatches(secret)))
        {
            return AllowlistVerdict.NotAllowed;
        }

        return _paths.Length > 0 ? AllowlistVerdict.AllowedOnItsPaths
            : _regexes.Length + _stopWords.Length > 0 ? AllowlistVerdict.Allowed
            : AllowlistVerdict.NotAllowed;
    }

    private bool RegexMatches(string secret, string match, string line)
    {
        if (_regexes.Length == 0)
        {
            return false;
        }

        var target = allowlist.RegexTarget switch
        {
            AllowlistTarget.Match => match,
            AllowlistTarget.Line => line,
            _ => secret,
        };
        foreach (var regex in _regexes)
        {
            if (regex.IsMatch(target))
            {
                return true;
            }
        }

        return false;
    }

    private bool StopWordMatches(string secret)
    {
        foreach (var word in _stopWords)
        {
            if (secret.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The configuration turned into what the detector needs: compiled rules and a keyword index.</summary>
internal sealed class CompiledConfiguration
{
    private CompiledConfiguration(ScannerConfiguration configuration)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        Rules = new CompiledRule[configuration.Rules.Count];
        for (var i = 0; i < Rules.Length; i++)
        {
            var rule = configuration.Rules[i];
            if (string.IsNullOrWhiteSpace(rule.Id))
            {
                throw new ScannerConfigurationException($"Rule #{i + 1} has no id.");
            }

            if (!ids.Add(rule.Id))
            {
                throw new ScannerConfigurationException($"Rule id '{rule.Id}' is defined twice.");
            }

            Rules[i] = new CompiledRule(rule, i);
        }

        Global = new CompiledAllowlist(configuration.GlobalAllowlist, "global allowlist");

        var byKeyword = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var always = new List<int>();
        foreach (var rule in Rules)
        {
            if (rule.Keywords.Length == 0)
            {
                always.Add(rule.Index);
            }

            foreach (var keyword in rule.Keywords)
            {
                if (!byKeyword.TryGetValue(keyword, out var list))
                {
                    byKeyword[keyword] = list = [];
                }

                list.Add(rule.Index);
            }
        }

        AlwaysRules = always.ToArray();
        KeywordList = byKeyword.Keys.ToArray();
        KeywordRules = KeywordList.Select(k => byKeyword[k].ToArray()).ToArray();
        Keywords = new KeywordIndex(KeywordList);
    }

    public CompiledRule[] Rules { get; }

    public CompiledAllowlist Global { get; }

    public int[] AlwaysRules { get; }

    public string[] KeywordList { get; }

    public int[][] KeywordRules { get; }

    /// <summary>The keywords, all found in one pass over the text, ignoring case.</summary>
    public KeywordIndex Keywords { get; }

    public static CompiledConfiguration Compile(ScannerConfiguration configuration) => new(configuration);

    internal static Regex BuildRegex(string pattern, string owner)
    {
        try
        {
            return BuiltInRegexes.ForAllowlist(pattern) ?? new Regex(pattern, RegexOptions.CultureInvariant, CompiledRule.MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ScannerConfigurationException($"The {owner} '{pattern}' is not a valid regex: {e.Message}", e);
        }
    }
}
