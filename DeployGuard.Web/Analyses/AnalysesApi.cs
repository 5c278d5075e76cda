using System.Text.Json;
using System.Text.Json.Serialization;
using DeployGuard.Data.Services.Analyses;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Endpoints;

namespace DeployGuard.Web.Analyses;

public sealed record AnalysisTriggerBody([property: JsonPropertyName("agents")] List<string>? Agents);

public sealed record AnalysisTriggerResponse(
    [property: JsonPropertyName("scan_id")] Guid ScanId,
    [property: JsonPropertyName("agents")] IReadOnlyList<string> Agents,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("model")] string Model);

/// <summary>seed 02's ai_analyses row with seed 03's agent_executions columns next to it.</summary>
public sealed record AnalysisResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("scan_id")] Guid ScanId,
    [property: JsonPropertyName("agent_type")] string AgentType,
    [property: JsonPropertyName("agent_version")] string AgentVersion,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("llm_model")] string LlmModel,
    [property: JsonPropertyName("llm_provider")] string? LlmProvider,
    [property: JsonPropertyName("llm_tokens_input")] int LlmTokensInput,
    [property: JsonPropertyName("llm_tokens_output")] int LlmTokensOutput,
    [property: JsonPropertyName("tokens_used")] int TokensUsed,
    [property: JsonPropertyName("llm_cost_usd")] decimal LlmCostUsd,
    [property: JsonPropertyName("processing_time_ms")] int? ProcessingTimeMs,
    [property: JsonPropertyName("output_data")] JsonElement? OutputData,
    [property: JsonPropertyName("error_message")] string? ErrorMessage)
{
    public static AnalysisResponse From(AnalysisRow r) => new(r.Id, r.ScanId, r.Agent, r.AgentVersion, r.CreatedAt, r.Success, r.Model, r.Provider,
        r.InputTokens, r.OutputTokens, r.InputTokens + r.OutputTokens, r.CostUsd, r.ProcessingTimeMs,
        r.Output is null ? null : JsonDocument.Parse(r.Output).RootElement.Clone(), r.Error);
}

public sealed record AgentCostResponse(
    [property: JsonPropertyName("total_cost_usd")] decimal TotalCostUsd,
    [property: JsonPropertyName("total_tokens")] long TotalTokens,
    [property: JsonPropertyName("runs")] int Runs,
    [property: JsonPropertyName("per_agent")] IReadOnlyList<AgentCostRow> PerAgent);

public sealed record AgentCostRow(
    [property: JsonPropertyName("agent_name")] string AgentName,
    [property: JsonPropertyName("total_tokens")] long TotalTokens,
    [property: JsonPropertyName("llm_cost_usd")] decimal CostUsd,
    [property: JsonPropertyName("runs")] int Runs,
    [property: JsonPropertyName("failed")] int Failed);

/// <summary>Analyses of a scan: ask for them (engineers and admins), list them, and seed 03's cost figures.</summary>
internal static class AnalysesApi
{
    public static void MapAnalysesApi(this IEndpointRouteBuilder endpoints)
    {
        var analyses = endpoints.MapGroup("/api/scans/{id:guid}/analyses").RequireAuthorization(Policies.Read).WithTags("Analyses");

        analyses.MapPost("/", async (Guid id, AnalysisTriggerBody? body, AnalysisService service, HttpContext http, CancellationToken ct) =>
            {
                var result = await service.RequestAsync(id, body?.Agents, CurrentUser.From(http), ct);
                return result.Succeeded
                    ? Results.Accepted($"/api/scans/{id}/analyses",
                        new AnalysisTriggerResponse(id, result.Value!.Agents, "queued", result.Value.Provider, result.Value.Model))
                    : ResultHttp.ToHttp(result);
            })
            .RequireAuthorization(Policies.Engineer)
            .WithSummary("Run agents on a scan (body {agents: [prioritization, supply_chain, remediation, security]}, all four when empty).")
            .Produces<AnalysisTriggerResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem();

        analyses.MapGet("/", async (Guid id, int? limit, AnalysisService service, CancellationToken ct) =>
            {
                var result = await service.ListAsync(id, limit ?? 50, ct);
                return result.Succeeded ? Results.Ok(result.Value!.Select(AnalysisResponse.From).ToList()) : ResultHttp.ToHttp(result);
            })
            .ValidatesPaging("limit", AnalysisService.MaxList)
            .WithSummary("The scan's analyses, newest first (seed 02 ai_analyses with each run's model, tokens and cost).")
            .Produces<List<AnalysisResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapGet("/api/analyses/costs", async (AgentUsageQueries queries, CancellationToken ct) =>
            {
                var usage = await queries.LoadAsync(ct);
                return Results.Ok(new AgentCostResponse(usage.TotalCostUsd, usage.TotalTokens, usage.Runs,
                    usage.PerAgent.Select(a => new AgentCostRow(a.Agent, a.TotalTokens, a.CostUsd, a.Runs, a.Failed)).ToList()));
            })
            .RequireAuthorization(Policies.Read)
            .WithTags("Analyses")
            .WithSummary("seed 03's cost queries: total LLM cost and tokens per agent.")
            .Produces<AgentCostResponse>();
    }
}
