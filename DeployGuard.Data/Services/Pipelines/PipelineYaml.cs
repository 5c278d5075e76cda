using System.Globalization;
using System.Text.RegularExpressions;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeployGuard.Data.Services.Pipelines;

/// <summary>
/// Parses and validates pipeline YAML, reporting every problem with the line and column it occurs at, so the
/// editor can show each message at its line.
/// </summary>
public static partial class PipelineYaml
{
    public const int MaxStages = 30;

    public const string Default =
        """
        # Stages run top to bottom; the first failure stops the deployment.
        # Kinds: command, approval, health_check, security_gate, security_scan, external, wait.
        # Commands see DG_RELEASE_VERSION, DG_ENVIRONMENT, DG_SERVICE, DG_COMMIT_SHA, DG_BRANCH, DG_DEPLOYMENT_ID ...
        stages:
          - name: build
            kind: command
            run: echo "Building $DG_SERVICE $DG_RELEASE_VERSION ($DG_COMMIT_SHA)"
            timeout: 600
          - name: test
            kind: command
            run: echo "Testing $DG_SERVICE $DG_RELEASE_VERSION"
            timeout: 600
          - name: security_scan
            kind: security_gate
          - name: approval
            kind: approval
            protected_only: true
          - name: deploy
            kind: command
            run: echo "Deploying $DG_RELEASE_VERSION to $DG_ENVIRONMENT"
            timeout: 900
          - name: smoke_test
            kind: command
            run: echo "Smoke testing $DG_SERVICE on $DG_ENVIRONMENT"
            timeout: 300

        """;

    private static readonly Dictionary<string, StageKind> Kinds = new(StringComparer.Ordinal)
    {
        ["command"] = StageKind.Command,
        ["approval"] = StageKind.Approval,
        ["health_check"] = StageKind.HealthCheck,
        ["security_gate"] = StageKind.SecurityGate,
        ["security_scan"] = StageKind.SecurityScan,
        ["external"] = StageKind.External,
        ["wait"] = StageKind.Wait,
    };

    private static readonly Dictionary<StageKind, string[]> AllowedKeys = new()
    {
        [StageKind.Command] = ["run", "cwd", "env", "secrets", "timeout"],
        [StageKind.Approval] = ["approvals", "timeout"],
        [StageKind.HealthCheck] = ["url", "type", "expect_status", "expect_body", "attempts", "interval", "timeout"],
        [StageKind.SecurityGate] = [],
        [StageKind.SecurityScan] = ["scanners", "target", "report"],
        [StageKind.External] = ["timeout"],
        [StageKind.Wait] = ["seconds"],
    };

    private static readonly string[] CommonKeys = ["name", "kind", "environments", "protected_only"];

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,49}$")]
    private static partial Regex StageName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    public static string KindName(StageKind kind) => Kinds.First(k => k.Value == kind).Key;

    public static PipelineParseResult Parse(string? yaml)
    {
        var errors = new List<PipelineError>();
        var stages = new List<StageDefinition>();
        if (string.IsNullOrWhiteSpace(yaml))
        {
            errors.Add(new PipelineError(1, 1, "The pipeline is empty: it needs a 'stages:' list."));
            return new PipelineParseResult(stages, errors);
        }

        var stream = new YamlStream();
        var parser = new PositionTrackingParser(new Parser(new StringReader(yaml)));
        try
        {
            // The parser alone first: the representation model stumbles over some invalid input ("? :") with an
            // ArgumentException before the parser reaches the real syntax error and its position.
            var syntax = new Parser(new StringReader(yaml));
            while (syntax.MoveNext())
            {
            }

            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            // Errors at the end of the text point one line past it: keep them on the last line, where the editor shows them.
            var (line, column) = ErrorPosition(yaml, ex);
            errors.Add(new PipelineError(line, column, Describe(ex)));
            return new PipelineParseResult(stages, errors);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            // The representation model throws plain exceptions for some valid-looking input ("? :", "\t\t: : :"):
            // place the error at the event it choked on.
            var at = parser.LastStart;
            errors.Add(new PipelineError(Math.Clamp((int)at.Line, 1, yaml.Split('\n').Length), Math.Max(1, (int)at.Column),
                "YAML syntax error: this construct is not supported here (use plain 'key: value' mappings and '- ' lists)."));
            return new PipelineParseResult(stages, errors);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var at = stream.Documents.Count > 0 ? stream.Documents[0].RootNode.Start : default;
            errors.Add(new PipelineError(Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column),
                "The pipeline must be a single mapping with a 'stages:' list."));
            return new PipelineParseResult(stages, errors);
        }

        YamlSequenceNode? list = null;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            if (key == "stages")
            {
                list = value as YamlSequenceNode;
                if (list is null)
                {
                    Error(errors, value, "'stages' must be a list of stages (each line starting with '- ').");
                }
            }
            else
            {
                Error(errors, keyNode, $"Unknown top-level key '{key}': only 'stages' is allowed.");
            }
        }

        if (list is null)
        {
            if (!root.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == "stages"))
            {
                Error(errors, root, "The pipeline needs a 'stages:' list.");
            }

            return new PipelineParseResult(stages, errors);
        }

        if (list.Children.Count == 0)
        {
            Error(errors, list, "The pipeline needs at least one stage.");
        }
        else if (list.Children.Count > MaxStages)
        {
            Error(errors, list.Children[MaxStages], $"A pipeline has at most {MaxStages} stages.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode stage)
            {
                Error(errors, item, "Each stage must be a mapping with at least 'name' and 'kind'.");
                continue;
            }

            var parsed = ParseStage(stage, errors);
            if (parsed is null)
            {
                continue;
            }

            if (!names.Add(parsed.Name))
            {
                Error(errors, stage, $"Stage name '{parsed.Name}' is used twice; names must be unique.");
            }

            stages.Add(parsed);
        }

        return new PipelineParseResult(errors.Count == 0 ? stages : [], errors);
    }

    private static StageDefinition? ParseStage(YamlMappingNode stage, List<PipelineError> errors)
    {
        var errorCount = errors.Count;
        var values = new Dictionary<string, (YamlNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in stage.Children)
        {
            if (keyNode is YamlScalarNode { Value: { } key })
            {
                values[key] = (keyNode, value);
            }
            else
            {
                Error(errors, keyNode, "Stage keys must be plain words.");
            }
        }

        var name = Scalar(values, "name", errors);
        if (name is null)
        {
            Error(errors, stage, "Every stage needs a 'name'.");
        }
        else if (!StageName().IsMatch(name))
        {
            Error(errors, values["name"].Value, $"Stage name '{name}' must be lowercase letters, digits, '_' or '-' (at most 50).");
        }

        var kindText = Scalar(values, "kind", errors);
        StageKind? kind = null;
        if (kindText is null)
        {
            Error(errors, stage, $"Stage '{name}' needs a 'kind': one of {string.Join(", ", Kinds.Keys)}.");
        }
        else if (Kinds.TryGetValue(kindText, out var k))
        {
            kind = k;
        }
        else
        {
            Error(errors, values["kind"].Value, $"Unknown kind '{kindText}': use one of {string.Join(", ", Kinds.Keys)}.");
        }

        if (kind is not { } stageKind)
        {
            return null;
        }

        foreach (var (key, (keyNode, _)) in values)
        {
            if (!CommonKeys.Contains(key) && !AllowedKeys[stageKind].Contains(key))
            {
                var allowed = CommonKeys.Concat(AllowedKeys[stageKind]);
                Error(errors, keyNode, $"'{key}' is not a setting of a {kindText} stage (allowed: {string.Join(", ", allowed)}).");
            }
        }

        var definition = new StageDefinition
        {
            Name = name ?? "",
            Kind = stageKind,
            Line = (int)stage.Start.Line,
            Environments = StringList(values, "environments", errors),
            ProtectedOnly = Bool(values, "protected_only", errors) ?? false,
        };

        switch (stageKind)
        {
            case StageKind.Command:
                var run = Scalar(values, "run", errors);
                if (string.IsNullOrWhiteSpace(run))
                {
                    Error(errors, stage, $"Command stage '{name}' needs 'run': the shell command to execute.");
                }

                definition = definition with
                {
                    Run = run,
                    Cwd = Scalar(values, "cwd", errors),
                    Env = EnvMap(values, errors),
                    Secrets = SecretNames(values, errors),
                    TimeoutSeconds = Int(values, "timeout", 1, 24 * 3600, errors) ?? 600,
                };
                break;
            case StageKind.Approval:
                definition = definition with
                {
                    Approvals = Int(values, "approvals", 1, 10, errors),
                    TimeoutSeconds = Int(values, "timeout", 1, 30 * 24 * 3600, errors),
                };
                break;
            case StageKind.HealthCheck:
                var type = Scalar(values, "type", errors) ?? "http";
                HealthCheckType? checkType = type switch { "http" => HealthCheckType.Http, "tcp" => HealthCheckType.Tcp, _ => null };
                if (checkType is null)
                {
                    Error(errors, values["type"].Value, $"Unknown health check type '{type}': use http or tcp.");
                }

                var url = Scalar(values, "url", errors);
                if (string.IsNullOrWhiteSpace(url))
                {
                    Error(errors, stage, $"Health check '{name}' needs 'url' (http://host:port/path, or host:port for tcp).");
                }
                else if (checkType == HealthCheckType.Http && !url.Contains("${", StringComparison.Ordinal) &&
                         (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                {
                    Error(errors, values["url"].Value, $"'{url}' is not an http(s) URL.");
                }
                else if (checkType == HealthCheckType.Tcp && !url.Contains("${", StringComparison.Ordinal) && !TryHostPort(url))
                {
                    Error(errors, values["url"].Value, $"'{url}' is not host:port.");
                }

                definition = definition with
                {
                    Url = url,
                    CheckType = checkType ?? HealthCheckType.Http,
                    ExpectStatus = Int(values, "expect_status", 100, 599, errors),
                    ExpectBody = Scalar(values, "expect_body", errors),
                    Attempts = Int(values, "attempts", 1, 100, errors) ?? 5,
                    IntervalSeconds = Double(values, "interval", 0, 600, errors) ?? 2,
                    TimeoutSeconds = Int(values, "timeout", 1, 300, errors) ?? 5,
                };
                break;
            case StageKind.SecurityScan:
                var scanners = StringList(values, "scanners", errors, "'scanners' must be a list of scan types, like [git_repo, container].");
                foreach (var scanner in scanners ?? [])
                {
                    if (!ScanTypes.Contains(scanner))
                    {
                        Error(errors, values["scanners"].Value, $"Unknown scan type '{scanner}' in 'scanners': use {string.Join(", ", ScanTypes)}.");
                    }
                }

                var report = Scalar(values, "report", errors);
                if (scanners is not { Count: > 0 } && string.IsNullOrWhiteSpace(report))
                {
                    Error(errors, stage, $"Security scan '{name}' needs 'scanners' (scan types whose configured scanners run) or 'report' (a report file to import).");
                }
                else if (report is not null && !report.StartsWith('/') && !report.StartsWith("${", StringComparison.Ordinal))
                {
                    Error(errors, values["report"].Value, $"'report' must be an absolute path (under Deployments:Runner:AllowedWorkDirectories, where an earlier stage wrote it).");
                }

                var target = Scalar(values, "target", errors);
                if (scanners?.Any(t => t != "git_repo") == true && string.IsNullOrWhiteSpace(target))
                {
                    Error(errors, stage, $"Security scan '{name}' needs 'target' (the image or path) for its {string.Join(", ", scanners.Where(t => t != "git_repo"))} scanner{(scanners.Count(t => t != "git_repo") == 1 ? "" : "s")}.");
                }

                definition = definition with { Scanners = scanners, Report = report, Target = target };
                break;
            case StageKind.External:
                definition = definition with { TimeoutSeconds = Int(values, "timeout", 1, 7 * 24 * 3600, errors) ?? 3600 };
                break;
            case StageKind.Wait:
                var seconds = Int(values, "seconds", 0, 24 * 3600, errors);
                if (seconds is null && !values.ContainsKey("seconds"))
                {
                    Error(errors, stage, $"Wait stage '{name}' needs 'seconds'.");
                }

                definition = definition with { Seconds = seconds ?? 0 };
                break;
        }

        return errors.Count == errorCount ? definition : null;
    }

    public static bool TryHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536;
    }

    private static string? Scalar(Dictionary<string, (YamlNode Key, YamlNode Value)> values, string key, List<PipelineError> errors)
    {
        if (!values.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Value is YamlScalarNode scalar)
        {
            return scalar.Value;
        }

        Error(errors, entry.Value, $"'{key}' must be a single value, not a list or mapping.");
        return null;
    }

    private static int? Int(Dictionary<string, (YamlNode Key, YamlNode Value)> values, string key, int min, int max, List<PipelineError> errors)
    {
        var text = Scalar(values, key, errors);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            Error(errors, values[key].Value, $"'{key}' must be a whole number from {min} to {max}.");
            return null;
        }

        return number;
    }

    private static double? Double(Dictionary<string, (YamlNode Key, YamlNode Value)> values, string key, double min, double max,
        List<PipelineError> errors)
    {
        var text = Scalar(values, key, errors);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            Error(errors, values[key].Value, $"'{key}' must be a number from {min} to {max}.");
            return null;
        }

        return number;
    }

    private static bool? Bool(Dictionary<string, (YamlNode Key, YamlNode Value)> values, string key, List<PipelineError> errors)
    {
        var text = Scalar(values, key, errors);
        switch (text)
        {
            case null:
                return null;
            case "true" or "yes":
                return true;
            case "false" or "no":
                return false;
            default:
                Error(errors, values[key].Value, $"'{key}' must be true or false.");
                return null;
        }
    }

    private static readonly string[] ScanTypes = ["git_repo", "container", "vm", "sbom", "k8s"];

    private static List<string>? StringList(Dictionary<string, (YamlNode Key, YamlNode Value)> values, string key, List<PipelineError> errors,
        string? message = null)
    {
        if (!values.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Value is YamlSequenceNode sequence && sequence.Children.All(c => c is YamlScalarNode))
        {
            return sequence.Children.Cast<YamlScalarNode>().Select(s => s.Value ?? "").Where(s => s.Length > 0).ToList();
        }

        if (entry.Value is YamlScalarNode { Value: { Length: > 0 } single })
        {
            return [single];
        }

        Error(errors, entry.Value, message ?? $"'{key}' must be a list of environment names, like [staging, production].");
        return null;
    }

    private static Dictionary<string, string>? EnvMap(Dictionary<string, (YamlNode Key, YamlNode Value)> values, List<PipelineError> errors)
    {
        if (!values.TryGetValue("env", out var entry))
        {
            return null;
        }

        if (entry.Value is not YamlMappingNode mapping)
        {
            Error(errors, entry.Value, "'env' must be a mapping of NAME: value.");
            return null;
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var name = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!EnvName().IsMatch(name))
            {
                Error(errors, keyNode, $"'{name}' is not a valid environment variable name.");
            }
            else if (name.StartsWith("DG_", StringComparison.Ordinal))
            {
                Error(errors, keyNode, $"'{name}': names starting with DG_ are set by DeployGuard.");
            }
            else if (valueNode is not YamlScalarNode { Value: var value })
            {
                Error(errors, valueNode, $"The value of '{name}' must be a single value.");
            }
            else
            {
                env[name] = value ?? "";
            }
        }

        return env;
    }

    /// <summary>Names of the runner's secrets (Deployments:Runner:Secrets) the stage receives as environment variables.</summary>
    private static List<string>? SecretNames(Dictionary<string, (YamlNode Key, YamlNode Value)> values, List<PipelineError> errors)
    {
        if (!values.TryGetValue("secrets", out var entry))
        {
            return null;
        }

        var nodes = entry.Value switch
        {
            YamlSequenceNode sequence => sequence.Children.ToList(),
            YamlScalarNode scalar => [scalar],
            _ => null,
        };
        if (nodes is null || nodes.Any(n => n is not YamlScalarNode))
        {
            Error(errors, entry.Value, "'secrets' must be a list of secret names, like [DEPLOY_TOKEN].");
            return null;
        }

        var names = new List<string>();
        foreach (var node in nodes.Cast<YamlScalarNode>())
        {
            var name = node.Value ?? "";
            if (!EnvName().IsMatch(name))
            {
                Error(errors, node, $"'{name}' is not a valid secret name (letters, digits and _).");
            }
            else if (name.StartsWith("DG_", StringComparison.Ordinal))
            {
                Error(errors, node, $"'{name}': names starting with DG_ are set by DeployGuard.");
            }
            else if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    private static void Error(List<PipelineError> errors, YamlNode node, string message) =>
        errors.Add(new PipelineError((int)node.Start.Line, (int)node.Start.Column, message));

    /// <summary>Remembers where the last event started, for errors YamlDotNet raises without a position.</summary>
    private sealed class PositionTrackingParser(IParser inner) : IParser
    {
        public YamlDotNet.Core.Mark LastStart { get; private set; } = YamlDotNet.Core.Mark.Empty;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (inner.Current is { } current)
            {
                LastStart = current.Start;
            }

            return moved;
        }
    }

    private static (int Line, int Column) ErrorPosition(string yaml, YamlException ex)
    {
        var lines = yaml.Split('\n');
        var mark = ex.End.Line > ex.Start.Line ? ex.End : ex.Start;
        var line = Math.Clamp((int)mark.Line, 1, lines.Length);
        var column = Math.Max(1, (int)mark.Column);
        if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            // YamlDotNet marks the start of the mapping for a tab used as indentation ("stages:\n\t\t: : :" at 1:1):
            // point at the first line from there whose indentation holds the tab.
            for (var i = line - 1; i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
                if (tab >= 0 && tab < Math.Max(indent, 1))
                {
                    return (i + 1, tab + 1);
                }
            }
        }

        return (line, column);
    }

    private static string Describe(YamlException ex)
    {
        // YamlDotNet prefixes positions: "(Line: 3, Col: 5, Idx: 20) - (Line: ...): message".
        var message = ex.Message;
        var dash = message.IndexOf("): ", StringComparison.Ordinal);
        var text = dash >= 0 ? message[(dash + 3)..] : message;
        return $"YAML syntax error: {text}";
    }
}
