using System.Globalization;
using System.Text.RegularExpressions;
using DeployGuard.Scanning.Rules;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeployGuard.Scanning.Configuration;

/// <summary>
/// Reads custom rules from YAML (our format, .NET regex syntax) or TOML (the gitleaks format, Go regex
/// syntax translated where .NET differs). Both are mapped by the same code; key names match without
/// regard to case, '_' and '-', so <c>secret_group</c>, <c>secretGroup</c> and <c>secret-group</c> are one key.
/// YAML extends the built-in rules unless <c>extend_default: false</c>; TOML, like gitleaks, replaces them
/// unless <c>[extend] useDefault = true</c>. Custom rules take priority over built-in ones, and a custom rule
/// with a built-in id replaces it.
/// </summary>
internal static partial class ConfigurationLoader
{
    // minVersion: the gitleaks version a file was written for (gitleaks only warns on it; so do we, by ignoring it).
    private static readonly string[] RootKeys = ["title", "minversion", "extend", "extenddefault", "disabledrules", "rules", "allowlist", "allowlists"];
    private static readonly string[] RuleKeys = ["id", "description", "regex", "secretgroup", "entropy", "keywords", "path", "tags", "secrettype", "severity", "allowlist", "allowlists"];
    private static readonly string[] AllowlistKeys = ["description", "paths", "regexes", "regextarget", "stopwords", "condition", "commits"];

    public static ScannerConfiguration Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ScannerConfigurationException($"Configuration file '{path}' does not exist.");
        }

        var text = File.ReadAllText(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".toml" => FromToml(text, path),
            ".yml" or ".yaml" => FromYaml(text, path),
            _ => throw new ScannerConfigurationException($"Configuration file '{path}': use a .yml, .yaml or .toml extension."),
        };
    }

    public static ScannerConfiguration FromYaml(string text, string source = "<yaml>")
    {
        object? document;
        try
        {
            // The representation model, not YamlDotNet's reflection-based deserializer (refused by Native AOT).
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            document = stream.Documents.Count == 0 ? null : FromYamlNode(stream.Documents[0].RootNode);
        }
        catch (YamlException e)
        {
            throw new ScannerConfigurationException($"{source}: invalid YAML at line {e.Start.Line}: {e.Message}", e);
        }

        var root = document is null ? new Dictionary<string, object>() : AsTable(document, source);
        return Map(root, source, isToml: false);
    }

    /// <summary>
    /// YAML nodes as the plain dictionaries, lists and strings the mapping reads, as YamlDotNet's untyped deserializer
    /// gave them: scalars stay strings (no type guessing), and a plain <c>~</c>, <c>null</c> or empty scalar is null.
    /// </summary>
    private static object? FromYamlNode(YamlNode node) => node switch
    {
        YamlMappingNode mapping => mapping.Children.ToDictionary(
            kv => (object)(FromYamlNode(kv.Key) ?? ""), kv => FromYamlNode(kv.Value)!),
        YamlSequenceNode sequence => sequence.Children.Select(FromYamlNode).ToList(),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } => null,
        YamlScalarNode scalar => scalar.Value ?? "",
        _ => null,
    };

    public static ScannerConfiguration FromToml(string text, string source = "<toml>")
    {
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize(text, ConfigurationTomlContext.Default.TomlTable) ?? new TomlTable();
        }
        catch (TomlException e)
        {
            // Tomlyn's message carries "(line,column) : error : ..."; the line is said first, in our words.
            throw new ScannerConfigurationException($"{source}: TOML line {e.Line}: {e.Message}", e);
        }

        return Map(FromTomlTable(table), source, isToml: true);
    }

    /// <summary>Tomlyn's model as the plain dictionaries and lists the mapping reads (as for YAML).</summary>
    private static Dictionary<string, object> FromTomlTable(TomlTable table)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in table)
        {
            result[key] = FromTomlValue(value);
        }

        return result;
    }

    private static object FromTomlValue(object? value) => value switch
    {
        TomlTable t => FromTomlTable(t),
        TomlTableArray a => a.Select(object (t) => FromTomlTable(t)).ToList(),
        TomlArray a => a.Select(FromTomlValue).ToList(),
        null => "",
        _ => value,
    };

    /// <summary>Go RE2 syntax that .NET spells differently: <c>(?P&lt;name&gt;</c> and POSIX classes.</summary>
    internal static string TranslateGoRegex(string pattern)
    {
        var translated = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);
        return PosixClass().Replace(translated, m => m.Groups[1].Value switch
        {
            "alpha" => "a-zA-Z",
            "digit" => "0-9",
            "alnum" => "a-zA-Z0-9",
            "upper" => "A-Z",
            "lower" => "a-z",
            "space" => "\\s",
            "xdigit" => "0-9A-Fa-f",
            "word" => "\\w",
            "punct" => "!-/:-@\\[-`{-~",
            _ => m.Value,
        });
    }

    private static ScannerConfiguration Map(Dictionary<string, object> root, string source, bool isToml)
    {
        CheckKeys(root, RootKeys, $"{source}: top level");
        var extend = Get(root, "extend") is { } e ? AsTable(e, $"{source}: extend") : null;
        var useDefault = isToml
            ? extend is not null && Bool(Get(extend, "usedefault"), $"{source}: extend.useDefault") == true
            : Bool(Get(root, "extenddefault"), $"{source}: extend_default") ?? true;
        var disabled = Strings(Get(root, "disabledrules") ?? (extend is null ? null : Get(extend, "disabledrules")), $"{source}: disabled rules")
            .ToHashSet(StringComparer.Ordinal);

        var custom = new List<SecretRule>();
        var skipped = new List<string>();
        if (Get(root, "rules") is { } rulesValue)
        {
            var index = 0;
            foreach (var item in AsList(rulesValue, $"{source}: rules"))
            {
                index++;
                var table = AsTable(item, $"{source}: rule #{index}");
                if (isToml && IsPathOnlyRule(table))
                {
                    // gitleaks reports such a file by its name (e.g. *.p12); DeployGuard reports secret values, so a
                    // gitleaks configuration keeps loading and says which of its rules it does not run.
                    skipped.Add(String(Get(table, "id"), $"{source}: rule #{index} id") ?? $"#{index}");
                    continue;
                }

                custom.Add(MapRule(table, $"{source}: rule #{index}", isToml));
            }
        }

        var globals = AllowlistsOf(root, source, isToml).ToList();
        if (useDefault)
        {
            globals.Insert(0, BuiltInRules.DefaultGlobalAllowlist);
        }

        var customIds = custom.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var rules = custom
            .Concat(useDefault ? BuiltInRules.All.Where(r => !customIds.Contains(r.Id)) : [])
            .Where(r => !disabled.Contains(r.Id))
            .ToList();
        var unknownDisabled = disabled.Except(rules.Select(r => r.Id)).Except(BuiltInRules.All.Select(r => r.Id)).Except(customIds).ToList();
        if (unknownDisabled.Count > 0)
        {
            throw new ScannerConfigurationException($"{source}: disabled rule(s) {string.Join(", ", unknownDisabled)} do not exist.");
        }

        var configuration = new ScannerConfiguration { Rules = rules, GlobalAllowlist = Merge(globals), SkippedRules = skipped };
        configuration.Validate();
        return configuration;
    }

    private static bool IsPathOnlyRule(Dictionary<string, object> table) =>
        Get(table, "regex") is null or "" && Get(table, "path") is string { Length: > 0 };

    private static SecretRule MapRule(Dictionary<string, object> table, string where, bool isToml)
    {
        CheckKeys(table, RuleKeys, where);
        var id = String(Get(table, "id"), where + " id");
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ScannerConfigurationException($"{where}: 'id' is required.");
        }

        where = $"{where} ('{id}')";
        var regex = String(Get(table, "regex"), where + " regex");
        if (string.IsNullOrEmpty(regex))
        {
            throw new ScannerConfigurationException($"{where}: 'regex' is required (path-only rules are not supported).");
        }

        if (isToml)
        {
            regex = TranslateGoRegex(regex);
        }

        var secretGroup = Int(Get(table, "secretgroup"), where + " secretGroup");
        // gitleaks uses the only capture group as the secret when secretGroup is not set.
        if (secretGroup is null && isToml && !regex.Contains("(?<secret>", StringComparison.Ordinal))
        {
            try
            {
                secretGroup = new Regex(regex).GetGroupNumbers().Length == 2 ? 1 : null;
            }
            catch (ArgumentException)
            {
                // Reported with the rule id when the configuration is validated.
            }
        }

        var path = String(Get(table, "path"), where + " path");
        return new SecretRule
        {
            Id = id,
            Description = String(Get(table, "description"), where + " description") ?? id,
            Pattern = regex,
            SecretGroup = secretGroup,
            MinEntropy = Double(Get(table, "entropy"), where + " entropy"),
            Keywords = Strings(Get(table, "keywords"), where + " keywords"),
            PathPattern = path is null ? null : isToml ? TranslateGoRegex(path) : path,
            Tags = Strings(Get(table, "tags"), where + " tags"),
            SecretType = Enum<SecretType>(Get(table, "secrettype"), where + " secret_type") ?? SecretType.Generic,
            Severity = Enum<Severity>(Get(table, "severity"), where + " severity") ?? Severity.High,
            Allowlists = AllowlistsOf(table, where, isToml).ToList(),
            LinearTime = isToml,
        };
    }

    private static IEnumerable<RuleAllowlist> AllowlistsOf(Dictionary<string, object> table, string where, bool isToml)
    {
        if (Get(table, "allowlist") is { } single)
        {
            yield return MapAllowlist(AsTable(single, where + " allowlist"), where + " allowlist", isToml);
        }

        if (Get(table, "allowlists") is { } many)
        {
            foreach (var item in AsList(many, where + " allowlists"))
            {
                yield return MapAllowlist(AsTable(item, where + " allowlists"), where + " allowlists", isToml);
            }
        }
    }

    private static RuleAllowlist MapAllowlist(Dictionary<string, object> table, string where, bool isToml)
    {
        CheckKeys(table, AllowlistKeys, where);
        var condition = String(Get(table, "condition"), where + " condition") switch
        {
            null => AllowlistCondition.Or,
            var c when c.Equals("OR", StringComparison.OrdinalIgnoreCase) => AllowlistCondition.Or,
            var c when c.Equals("AND", StringComparison.OrdinalIgnoreCase) => AllowlistCondition.And,
            var c => throw new ScannerConfigurationException($"{where}: condition '{c}' is not OR (any listed item allows) or AND (all listed kinds must match)."),
        };

        var translate = isToml ? TranslateGoRegex : (Func<string, string>)(s => s);
        return new RuleAllowlist
        {
            Description = String(Get(table, "description"), where + " description"),
            Paths = Strings(Get(table, "paths"), where + " paths").Select(translate).ToList(),
            Regexes = Strings(Get(table, "regexes"), where + " regexes").Select(translate).ToList(),
            RegexTarget = Enum<AllowlistTarget>(Get(table, "regextarget"), where + " regexTarget") ?? AllowlistTarget.Secret,
            StopWords = Strings(Get(table, "stopwords"), where + " stopwords"),
            Condition = condition,
        };
    }

    private static RuleAllowlist Merge(List<RuleAllowlist> allowlists)
    {
        if (allowlists.Any(a => a.Condition == AllowlistCondition.And))
        {
            throw new ScannerConfigurationException("The global allowlist supports condition OR only (AND is supported in rule allowlists).");
        }

        if (allowlists.Count == 1)
        {
            return allowlists[0];
        }

        var targets = allowlists.Where(a => a.Regexes.Count > 0).Select(a => a.RegexTarget).Distinct().ToList();
        if (targets.Count > 1)
        {
            throw new ScannerConfigurationException("Global allowlists with regexes must share one regexTarget.");
        }

        return new RuleAllowlist
        {
            Description = string.Join("; ", allowlists.Select(a => a.Description).Where(d => d is not null)),
            Paths = allowlists.SelectMany(a => a.Paths).Distinct().ToList(),
            Regexes = allowlists.SelectMany(a => a.Regexes).Distinct().ToList(),
            RegexTarget = targets.FirstOrDefault(AllowlistTarget.Secret),
            StopWords = allowlists.SelectMany(a => a.StopWords).Distinct().ToList(),
        };
    }

    private static string Normalize(string key) => key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    private static object? Get(Dictionary<string, object> table, string normalizedKey) =>
        table.FirstOrDefault(kv => Normalize(kv.Key) == normalizedKey).Value;

    private static void CheckKeys(Dictionary<string, object> table, string[] known, string where)
    {
        var unknown = table.Keys.Where(k => !known.Contains(Normalize(k))).ToList();
        if (unknown.Count > 0)
        {
            throw new ScannerConfigurationException($"{where}: unknown key(s) {string.Join(", ", unknown)}.");
        }
    }

    private static Dictionary<string, object> AsTable(object value, string where) => value switch
    {
        Dictionary<string, object> d => d,
        Dictionary<object, object> y => y.ToDictionary(kv => Convert.ToString(kv.Key, CultureInfo.InvariantCulture) ?? "", kv => kv.Value, StringComparer.Ordinal),
        _ => throw new ScannerConfigurationException($"{where}: expected a table/mapping."),
    };

    private static List<object> AsList(object value, string where) =>
        value as List<object> ?? throw new ScannerConfigurationException($"{where}: expected a list.");

    private static string? String(object? value, string where) => value switch
    {
        null => null,
        string s => s,
        long or double or bool => Convert.ToString(value, CultureInfo.InvariantCulture),
        _ => throw new ScannerConfigurationException($"{where}: expected a string."),
    };

    private static List<string> Strings(object? value, string where) => value switch
    {
        null => [],
        List<object> list => list.Select(v => String(v, where) ?? "").ToList(),
        string s => [s],
        _ => throw new ScannerConfigurationException($"{where}: expected a list of strings."),
    };

    private static bool? Bool(object? value, string where) => value switch
    {
        null => null,
        bool b => b,
        string s when bool.TryParse(s, out var b) => b,
        _ => throw new ScannerConfigurationException($"{where}: expected true or false."),
    };

    private static int? Int(object? value, string where) => value switch
    {
        null => null,
        long l => (int)l,
        string s when int.TryParse(s, CultureInfo.InvariantCulture, out var i) => i,
        _ => throw new ScannerConfigurationException($"{where}: expected an integer."),
    };

    private static double? Double(object? value, string where) => value switch
    {
        null => null,
        long l => l,
        double d => d,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new ScannerConfigurationException($"{where}: expected a number."),
    };

    private static T? Enum<T>(object? value, string where)
        where T : struct, Enum
    {
        if (value is null)
        {
            return null;
        }

        var text = String(value, where)!;
        var match = System.Enum.GetValues<T>().Where(v => Normalize(v.ToString()) == Normalize(text)).ToList();
        return match.Count == 1
            ? match[0]
            : throw new ScannerConfigurationException($"{where}: '{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>().Select(ToSnake))}.");
    }

    internal static string ToSnake(string name) => SnakeBoundary().Replace(name, "$1_$2").ToLowerInvariant();

    [GeneratedRegex(@"\[:(alpha|digit|alnum|upper|lower|space|xdigit|word|punct):\]")]
    private static partial Regex PosixClass();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex SnakeBoundary();
}

/// <summary>Source-generated TOML metadata for the untyped model (AOT-safe; reflection is off under Native AOT).</summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class ConfigurationTomlContext : TomlSerializerContext;
