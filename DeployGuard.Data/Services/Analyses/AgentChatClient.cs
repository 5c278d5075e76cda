using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>
/// The one <see cref="IChatClient"/> every agent talks to: the deterministic provider by default, an OpenAI-compatible
/// server when <c>Analyses:Provider</c> is <c>openai</c>. Built once from the validated options.
/// </summary>
public sealed class AgentChatClient : IDisposable
{
    public AgentChatClient(IOptions<AnalysisOptions> options)
    {
        var o = options.Value;
        if (o.UsesOpenAi)
        {
            var url = new Uri(o.OpenAI.BaseUrl!);
            // No retries inside the SDK: a run is one attempt, and its failure is recorded rather than hidden behind waits.
            var chat = new OpenAI.Chat.ChatClient(o.OpenAI.Model, new ApiKeyCredential(o.OpenAI.ApiKey!), new OpenAI.OpenAIClientOptions
            {
                Endpoint = url,
                NetworkTimeout = TimeSpan.FromSeconds(o.OpenAI.TimeoutSeconds),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            });
            Client = chat.AsIChatClient();
            Model = o.OpenAI.Model!;
            Provider = $"openai:{url.Authority}";
            Secret = o.OpenAI.ApiKey;
        }
        else
        {
            Client = new DeterministicChatClient(options);
            Model = DeterministicChatClient.ModelName;
            Provider = AnalysisOptions.Deterministic;
        }
    }

    public IChatClient Client { get; }

    /// <summary>The configured model ("deterministic" offline).</summary>
    public string Model { get; }

    /// <summary>"deterministic" or "openai:host:port": what the UI may show (never the key).</summary>
    public string Provider { get; }

    /// <summary>The key, only to scrub it from error messages before they are stored.</summary>
    private string? Secret { get; }

    public string Scrub(string message) =>
        Secret is { Length: > 0 } key ? message.Replace(key, "[redacted]", StringComparison.Ordinal) : message;

    public void Dispose() => Client.Dispose();
}
