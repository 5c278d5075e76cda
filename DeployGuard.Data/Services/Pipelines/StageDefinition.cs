using System.Text.Json;
using System.Text.Json.Serialization;
using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Pipelines;

/// <summary>One stage of a pipeline as written in YAML; stored as JSON on the pipeline and copied onto each deployment stage.</summary>
public sealed record StageDefinition
{
    public string Name { get; init; } = "";
    public StageKind Kind { get; init; }

    /// <summary>command: the shell command (bash -c).</summary>
    public string? Run { get; init; }

    /// <summary>command: working directory, relative to the stage's private work directory, or absolute under one of
    /// Deployments:Runner:AllowedWorkDirectories (default: the stage's own fresh directory).</summary>
    public string? Cwd { get; init; }

    /// <summary>command: extra environment variables.</summary>
    public Dictionary<string, string>? Env { get; init; }

    /// <summary>command: names of runner secrets (Deployments:Runner:Secrets:NAME) the stage gets as variables of that name.</summary>
    public List<string>? Secrets { get; init; }

    /// <summary>command: run time limit; external/approval: how long to wait; health_check: per attempt.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>approval: approvals needed (default: the environment's required approvals, at least one).</summary>
    public int? Approvals { get; init; }

    /// <summary>health_check: http(s) URL or host:port for tcp.</summary>
    public string? Url { get; init; }

    public HealthCheckType? CheckType { get; init; }
    public int? ExpectStatus { get; init; }
    public string? ExpectBody { get; init; }
    public int? Attempts { get; init; }
    public double? IntervalSeconds { get; init; }

    /// <summary>security_scan: scan types whose configured scanner commands run (Scanning:Scanners:&lt;type&gt;).</summary>
    public List<string>? Scanners { get; init; }

    /// <summary>security_scan: what the non-git scanners scan (an image, a path); ${DG_*} variables are replaced.</summary>
    public string? Target { get; init; }

    /// <summary>security_scan: a report file to import, absolute, under Deployments:Runner:AllowedWorkDirectories.</summary>
    public string? Report { get; init; }

    /// <summary>wait: how long.</summary>
    public int? Seconds { get; init; }

    /// <summary>Only run on these environments (by name); null or empty means every environment.</summary>
    public List<string>? Environments { get; init; }

    /// <summary>Only run on protected environments.</summary>
    public bool ProtectedOnly { get; init; }

    /// <summary>Where the stage starts in the YAML, for messages.</summary>
    public int Line { get; init; }

    public bool AppliesTo(DeploymentEnvironment environment) =>
        (!ProtectedOnly || environment.IsProtected) &&
        (Environments is not { Count: > 0 } || Environments.Contains(environment.Name, StringComparer.OrdinalIgnoreCase));

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static StageDefinition FromJson(string json) => JsonSerializer.Deserialize<StageDefinition>(json, Json) ?? new StageDefinition();

    public static List<StageDefinition> ListFromJson(string json) => JsonSerializer.Deserialize<List<StageDefinition>>(json, Json) ?? [];
}

public sealed record PipelineError(int Line, int Column, string Message)
{
    public override string ToString() => Line > 0 ? $"Line {Line}, column {Column}: {Message}" : Message;
}

public sealed record PipelineParseResult(IReadOnlyList<StageDefinition> Stages, IReadOnlyList<PipelineError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}
