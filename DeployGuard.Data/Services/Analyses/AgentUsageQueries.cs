using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>One agent's share of the model usage.</summary>
public sealed record AgentTokens(string Agent, long TotalTokens, decimal CostUsd, int Runs, int Failed);

public sealed record AgentUsageSummary(decimal TotalCostUsd, long TotalTokens, int Runs, IReadOnlyList<AgentTokens> PerAgent);

/// <summary>seed 03's cost queries: total LLM cost, and tokens per agent (with cost, runs and failures next to them).</summary>
public sealed class AgentUsageQueries(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    public async Task<AgentUsageSummary> LoadAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        // seed 03: SELECT SUM(llm_cost_usd) FROM agent_executions;
        var total = await db.Database.SqlQuery<decimal?>($"""SELECT SUM(llm_cost_usd) AS "Value" FROM agent_executions""").SingleAsync(ct) ?? 0m;
        // seed 03: SELECT agent_name, SUM(llm_tokens_input + llm_tokens_output) AS total_tokens FROM agent_executions GROUP BY agent_name;
        var perAgent = await db.Database.SqlQuery<AgentTokens>($"""
            SELECT agent_name AS "Agent", SUM(llm_tokens_input + llm_tokens_output)::bigint AS "TotalTokens", SUM(llm_cost_usd) AS "CostUsd",
                   COUNT(*)::int AS "Runs", COUNT(*) FILTER (WHERE NOT success)::int AS "Failed"
            FROM agent_executions GROUP BY agent_name ORDER BY 2 DESC, 1
            """).ToListAsync(ct);
        return new AgentUsageSummary(total, perAgent.Sum(a => a.TotalTokens), perAgent.Sum(a => a.Runs), perAgent);
    }
}
