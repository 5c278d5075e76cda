using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>An analysis as the API and the scan page show it: the ai_analyses row with its execution.</summary>
public sealed record AnalysisRow(
    Guid Id,
    Guid ScanId,
    string Agent,
    DateTimeOffset CreatedAt,
    bool Success,
    string Model,
    string? Provider,
    string AgentVersion,
    int InputTokens,
    int OutputTokens,
    decimal CostUsd,
    int? ProcessingTimeMs,
    string? Output,
    string? Error);

/// <summary>What a request queued.</summary>
public sealed record AnalysisQueued(Guid ScanId, IReadOnlyList<string> Agents, string Provider, string Model);

/// <summary>Asks for analyses of a scan and lists them.</summary>
public sealed class AnalysisService(IDbContextFactory<ApplicationDbContext> contextFactory, AgentChatClient chat, TimeProvider clock)
{
    public const int MaxList = 200;

    /// <summary>Queues the agents (all four when none are named) for the scan. Engineers and admins only.</summary>
    public async Task<Result<AnalysisQueued>> RequestAsync(Guid scanId, IReadOnlyList<string>? agents, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsEngineer && !caller.IsAdmin)
        {
            return Result<AnalysisQueued>.Forbidden("Only engineers and admins can run analyses.");
        }

        var wanted = agents is { Count: > 0 } ? agents.Select(a => a.Trim().ToLowerInvariant()).Distinct().ToList() : [.. AgentNames.All];
        if (wanted.FirstOrDefault(a => !AgentNames.IsKnown(a)) is { } unknown)
        {
            return Result<AnalysisQueued>.Invalid("agents", $"Unknown agent '{Text.Truncate(unknown, 50)}': agents are {string.Join(", ", AgentNames.All)}.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (!await db.Scans.AnyAsync(s => s.Id == scanId, ct))
        {
            return Result<AnalysisQueued>.NotFound("No such scan.");
        }

        if (await AnalysisJobs.WaitingAsync(db, ct) + wanted.Count > AnalysisJobs.MaxWaiting)
        {
            return Result<AnalysisQueued>.Invalid("agents", "Too many analyses are waiting; try again in a minute.");
        }

        var now = clock.GetUtcNow();
        foreach (var agent in wanted)
        {
            AnalysisJobs.Enqueue(db, scanId, agent, caller, now);
        }

        await db.SaveChangesAsync(ct);

        return Result<AnalysisQueued>.Ok(new AnalysisQueued(scanId, wanted, chat.Provider, chat.Model));
    }

    /// <summary>The vulnerability scan a git repository scan job belongs to (the secret-scan page knows only the job).</summary>
    public async Task<Guid?> ScanIdForJobAsync(Guid scanJobId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Scans.Where(s => s.ScanJobId == scanJobId).OrderByDescending(s => s.CreatedAt).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
    }

    /// <summary>Which provider and model runs the agents (for the page; never the key).</summary>
    public (string Provider, string Model) Provider => (chat.Provider, chat.Model);

    /// <summary>The scan's analyses, newest first; NotFound for an unknown scan.</summary>
    public async Task<Result<IReadOnlyList<AnalysisRow>>> ListAsync(Guid scanId, int limit = 50, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (!await db.Scans.AnyAsync(s => s.Id == scanId, ct))
        {
            return Result<IReadOnlyList<AnalysisRow>>.NotFound("No such scan.");
        }

        var rows = await (
                from a in db.AiAnalyses.AsNoTracking()
                where a.ScanId == scanId
                join e in db.AgentExecutions.AsNoTracking() on a.AgentExecutionId equals e.Id into executions
                from e in executions.DefaultIfEmpty()
                orderby a.CreatedAt descending, a.Id descending
                select new AnalysisRow(a.Id, a.ScanId, a.AgentType, a.CreatedAt, e != null && e.Success, e != null ? e.LlmModel : "", e != null ? e.LlmProvider : null,
                    e != null ? e.AgentVersion : "", e != null ? e.LlmTokensInput : 0, e != null ? e.LlmTokensOutput : 0, e != null ? e.LlmCostUsd : 0m,
                    a.ProcessingTimeMs, a.OutputData, e != null ? e.ErrorMessage : null))
            .Take(Math.Clamp(limit, 1, MaxList))
            .ToListAsync(ct);
        return Result<IReadOnlyList<AnalysisRow>>.Ok(rows);
    }
}
