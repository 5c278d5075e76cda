using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>
/// The default, offline provider: an <see cref="IChatClient"/> that answers an agent's prompt with
/// <see cref="DeterministicAgents"/> applied to the prompt's own JSON. It reads the agent from the options and the
/// context from the user message, exactly what a model would get; it uses no tokens and costs nothing.
/// </summary>
public sealed class DeterministicChatClient(IOptions<AnalysisOptions> options) : IChatClient
{
    public const string ModelName = "deterministic";

    private static readonly ChatClientMetadata Metadata = new(AnalysisOptions.Deterministic, null, ModelName);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var agent = chatOptions?.AdditionalProperties?.TryGetValue(AgentPrompts.AgentProperty, out var value) == true ? value as string : null;
        if (agent is null || !AgentNames.IsKnown(agent))
        {
            throw new InvalidOperationException($"The deterministic provider answers only DeployGuard's agents ({string.Join(", ", AgentNames.All)}).");
        }

        var json = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text
            ?? throw new InvalidOperationException("The prompt has no user message with the scan's context.");
        var context = AgentContext.FromJson(json) ?? throw new InvalidOperationException("The user message is not a scan context.");
        var output = DeterministicAgents.Run(agent, context, options.Value.FewServices);
        var text = JsonSerializer.Serialize(output, output.GetType(), AgentContext.Json);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = ModelName,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 0, OutputTokenCount = 0, TotalTokenCount = 0 },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, chatOptions, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
