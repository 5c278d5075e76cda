using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>
/// Settings of the AI agents (section <c>Analyses</c>). The default provider is deterministic and offline; set
/// <c>Provider = "openai"</c> with a base URL, model and key to use any OpenAI-compatible server (OpenAI, Groq, Ollama).
/// </summary>
public sealed class AnalysisOptions : IValidatableObject
{
    public const string Section = "Analyses";

    public const string Deterministic = "deterministic";
    public const string OpenAi = "openai";

    /// <summary><see cref="Deterministic"/> or <see cref="OpenAi"/>.</summary>
    [Required]
    public string Provider { get; set; } = Deterministic;

    public OpenAiCompatibleOptions OpenAI { get; set; } = new();

    /// <summary>USD per million tokens by model name (case-insensitive). A model missing from the table costs 0 and says so.</summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The most findings one model prompt carries (the riskiest first; the counts cover all). The offline agents read all.</summary>
    [Range(1, 5000)]
    public int MaxFindingsInPrompt { get; set; } = 300;

    /// <summary>A package found in at most this many services (or targets) is "seen in few services".</summary>
    [Range(1, 1000)]
    public int FewServices { get; set; } = 1;

    public bool UsesOpenAi => string.Equals(Provider, OpenAi, StringComparison.OrdinalIgnoreCase);

    /// <summary>Rules across keys and the nested OpenAI section; the messages name the keys, never the key's value.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Problem() is { } problem)
        {
            yield return new ValidationResult(problem);
        }
    }

    private string? Problem()
    {
        if (!string.Equals(Provider, Deterministic, StringComparison.OrdinalIgnoreCase) && !UsesOpenAi)
        {
            return $"Analyses:Provider must be '{Deterministic}' or '{OpenAi}'.";
        }

        if (Prices.FirstOrDefault(p => p.Value.InputPerMillionTokensUsd < 0 || p.Value.OutputPerMillionTokensUsd < 0) is { Key: { } bad })
        {
            return $"Analyses:Prices:{bad} must not be negative.";
        }

        if (!UsesOpenAi)
        {
            return null;
        }

        if (!Uri.TryCreate(OpenAI.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return "Analyses:OpenAI:BaseUrl must be an absolute http(s) URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.";
        }

        if (string.IsNullOrWhiteSpace(OpenAI.Model))
        {
            return "Analyses:OpenAI:Model is required (e.g. gpt-4o-mini, llama-3.1-70b-versatile).";
        }

        if (string.IsNullOrWhiteSpace(OpenAI.ApiKey))
        {
            return "Analyses:OpenAI:ApiKey is required (any value for a server that takes none, such as Ollama).";
        }

        return OpenAI.TimeoutSeconds is < 1 or > 600 ? "Analyses:OpenAI:TimeoutSeconds must be 1 to 600." : null;
    }

    /// <summary>The cost of a run, and whether the model had a price.</summary>
    public (decimal Usd, bool Priced) Cost(string model, long inputTokens, long outputTokens)
    {
        if (!Prices.TryGetValue(model, out var price))
        {
            return (0m, false);
        }

        return (Math.Round((inputTokens * price.InputPerMillionTokensUsd + outputTokens * price.OutputPerMillionTokensUsd) / 1_000_000m, 6), true);
    }
}

public sealed class OpenAiCompatibleOptions
{
    /// <summary>The API root that <c>/chat/completions</c> is under (https://api.openai.com/v1, https://api.groq.com/openai/v1 ...).</summary>
    public string? BaseUrl { get; set; }

    public string? Model { get; set; }

    /// <summary>A secret: never logged, shown or stored (configure it from the environment or a secret store).</summary>
    public string? ApiKey { get; set; }

    public int TimeoutSeconds { get; set; } = 60;
}

public sealed class ModelPrice
{
    public decimal InputPerMillionTokensUsd { get; set; }

    public decimal OutputPerMillionTokensUsd { get; set; }
}
