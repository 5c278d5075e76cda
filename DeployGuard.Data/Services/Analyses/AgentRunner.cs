using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeployGuard.Data.Configurations;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>What one run stored.</summary>
public sealed record AgentRunResult(Guid ExecutionId, Guid AnalysisId, string Agent, bool Success, string Model, long InputTokens, long OutputTokens,
    decimal CostUsd, string? Error);

/// <summary>
/// Runs one agent on one scan: builds the context, asks the chat client, and stores what happened as an
/// <c>agent_executions</c> row, an <c>ai_analyses</c> row and an audit row in one transaction, failures included
/// (a timeout, an HTTP error or an answer that is not JSON is a failed execution with its error).
/// </summary>
public sealed class AgentRunner(
    IDbContextFactory<ApplicationDbContext> contextFactory,
    AgentContextLoader contexts,
    AgentChatClient chat,
    AuditWriter audit,
    IOptions<AnalysisOptions> options,
    TimeProvider clock,
    EventBus bus,
    ILogger<AgentRunner> logger)
{
    public async Task<Result<AgentRunResult>> RunAsync(Guid scanId, string agent, Caller caller, CancellationToken ct = default)
    {
        if (!AgentNames.IsKnown(agent))
        {
            return Result<AgentRunResult>.Invalid("agent", $"agent is one of {string.Join(", ", AgentNames.All)}.");
        }

        var o = options.Value;
        // A model's context window is finite; the offline agents read every finding.
        var context = await contexts.LoadAsync(scanId, o.UsesOpenAi ? o.MaxFindingsInPrompt : int.MaxValue, ct);
        if (context is null)
        {
            return Result<AgentRunResult>.NotFound("No such scan.");
        }

        var input = context.ToJson();
        var startedAt = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        string? output = null;
        string? error = null;
        var model = chat.Model;
        long inputTokens = 0, outputTokens = 0;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var seconds = o.UsesOpenAi ? o.OpenAI.TimeoutSeconds : 60;
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
            try
            {
                var response = await chat.Client.GetResponseAsync(AgentPrompts.Messages(agent, input), AgentPrompts.Options(agent, chat.Model), timeout.Token);
                model = response.ModelId is { Length: > 0 } m ? m : chat.Model;
                inputTokens = response.Usage?.InputTokenCount ?? 0;
                outputTokens = response.Usage?.OutputTokenCount ?? 0;
                output = JsonObjectFrom(response.Text);
                if (output is null)
                {
                    error = "The model's answer was not a JSON object.";
                    output = JsonSerializer.Serialize(new { text = Text.Truncate(response.Text, 4000) });
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                error = $"No answer from {chat.Provider} within {seconds} s.";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                error = chat.Scrub($"{e.GetType().Name}: {e.Message}");
            }
        }

        watch.Stop();
        var completedAt = clock.GetUtcNow();
        var (cost, priced) = o.Cost(model, inputTokens, outputTokens);
        if (!priced && chat.Model != model)
        {
            (cost, priced) = o.Cost(chat.Model, inputTokens, outputTokens);
        }

        if (!priced && inputTokens + outputTokens > 0)
        {
            logger.LogWarning("Model {Model} has no price in Analyses:Prices; its {Tokens} tokens are recorded at 0 USD", model, inputTokens + outputTokens);
        }

        if (error is not null)
        {
            logger.LogWarning("Agent {Agent} failed on scan {ScanId}: {Error}", agent, scanId, error);
        }

        error = error is null ? null : Text.Truncate(error, FieldLengths.Reason);
        var execution = new AgentExecution
        {
            Id = Guid.CreateVersion7(),
            ScanId = scanId,
            AgentName = agent,
            AgentVersion = AgentNames.Version,
            StartedAt = startedAt,
            CompletedAt = completedAt,
            DurationSeconds = watch.Elapsed.TotalSeconds,
            Success = error is null,
            LlmModel = Text.Truncate(model, FieldLengths.Name)!,
            LlmProvider = Text.Truncate(chat.Provider, 50),
            LlmTokensInput = (int)Math.Min(inputTokens, int.MaxValue),
            LlmTokensOutput = (int)Math.Min(outputTokens, int.MaxValue),
            LlmCostUsd = cost,
            Output = output,
            ErrorMessage = error,
        };
        var analysis = new AiAnalysis
        {
            Id = Guid.CreateVersion7(),
            ScanId = scanId,
            AgentType = agent,
            InputData = input,
            OutputData = output ?? JsonSerializer.Serialize(new { error }),
            TokensUsed = (int)Math.Min(inputTokens + outputTokens, int.MaxValue),
            ProcessingTimeMs = (int)Math.Min(watch.ElapsedMilliseconds, int.MaxValue),
            AgentExecutionId = execution.Id,
            CreatedAt = completedAt,
        };

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        db.AgentExecutions.Add(execution);
        db.AiAnalyses.Add(analysis);
        audit.Add(db, caller.Actor, error is null ? AuditActions.AnalysisCompleted : AuditActions.AnalysisFailed, ResourceTypes.Scan, scanId.ToString(),
            new { agent, model, provider = chat.Provider, success = error is null, input_tokens = inputTokens, output_tokens = outputTokens, cost_usd = cost, error });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (PostgresErrors.IsForeignKeyViolation(e))
        {
            // The scan was deleted while the agent worked.
            return Result<AgentRunResult>.NotFound("No such scan.");
        }

        await bus.PublishAsync(Topics.Analyses, new AnalysisEvent(scanId, agent, execution.Success), ct);
        return Result<AgentRunResult>.Ok(new AgentRunResult(execution.Id, analysis.Id, agent, execution.Success, execution.LlmModel, inputTokens, outputTokens,
            cost, error));
    }

    /// <summary>The answer as a JSON object, also when a model wrapped it in a Markdown fence; null when it is not one.</summary>
    internal static string? JsonObjectFrom(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            var start = trimmed.IndexOf('\n');
            var end = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            trimmed = start >= 0 && end > start ? trimmed[(start + 1)..end].Trim() : trimmed;
        }

        try
        {
            return JsonNode.Parse(trimmed) is JsonObject node ? node.ToJsonString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
