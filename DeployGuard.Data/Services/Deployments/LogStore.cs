using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>A line to append; the store stamps the id.</summary>
public sealed record NewLogLine(Guid? StageId, DateTimeOffset Timestamp, DeploymentLogLevel Level, DeploymentLogSource Source, string? EventType,
    string Message, string? Data = null);

public sealed record LogQuery
{
    /// <summary>Lines after this id (tailing, paging forwards).</summary>
    public long? AfterId { get; init; }

    /// <summary>Lines before this id (paging backwards from the end).</summary>
    public long? BeforeId { get; init; }

    public Guid? StageId { get; init; }
    public DeploymentLogLevel? MinLevel { get; init; }
    public string? Search { get; init; }
    public int Take { get; init; } = 500;
}

/// <summary>
/// Deployment logs: appended in batches with one INSERT ... SELECT FROM unnest(...) per batch (thousands of lines per
/// round trip), read by keyset on (deployment_id, id) so a deployment with 100,000 lines pages as fast as one with ten.
/// </summary>
public sealed class LogStore(DeploymentsDataSource dataSource, IDbContextFactory<ApplicationDbContext> contextFactory)
{
    public const int MaxMessageLength = 8000;

    /// <summary>The most lines one read returns.</summary>
    public const int MaxRead = 5000;

    public async Task<IReadOnlyList<LogLine>> AppendAsync(Guid deploymentId, IReadOnlyList<NewLogLine> lines, CancellationToken ct = default)
    {
        if (lines.Count == 0)
        {
            return [];
        }

        await using var command = dataSource.Source.CreateCommand(
            """
            INSERT INTO deployment_logs (deployment_id, stage_id, timestamp, level, source, event_type, message, data)
            SELECT @deployment, u.stage_id, u.ts, u.level, u.source, u.event_type, u.message, u.data::jsonb
            FROM unnest(@stage_ids, @timestamps, @levels, @sources, @event_types, @messages, @data)
                 AS u(stage_id, ts, level, source, event_type, message, data)
            RETURNING id
            """);
        command.Parameters.AddWithValue("deployment", deploymentId);
        command.Parameters.AddWithValue("stage_ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid, lines.Select(l => l.StageId).ToArray());
        command.Parameters.AddWithValue("timestamps", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, lines.Select(l => l.Timestamp).ToArray());
        command.Parameters.AddWithValue("levels", NpgsqlDbType.Array | NpgsqlDbType.Text, lines.Select(l => l.Level.ToString()).ToArray());
        command.Parameters.AddWithValue("sources", NpgsqlDbType.Array | NpgsqlDbType.Text, lines.Select(l => l.Source.ToString()).ToArray());
        command.Parameters.AddWithValue("event_types", NpgsqlDbType.Array | NpgsqlDbType.Text, lines.Select(l => l.EventType).ToArray());
        command.Parameters.AddWithValue("messages", NpgsqlDbType.Array | NpgsqlDbType.Text, lines.Select(l => Clean(l.Message)).ToArray());
        command.Parameters.AddWithValue("data", NpgsqlDbType.Array | NpgsqlDbType.Text, lines.Select(l => l.Data).ToArray());

        var ids = new List<long>(lines.Count);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        // RETURNING follows the SELECT's order, which follows unnest's.
        var result = new LogLine[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            var l = lines[i];
            result[i] = new LogLine(ids[i], l.StageId, l.Timestamp, l.Level, l.Source, l.EventType, Clean(l.Message));
        }

        return result;
    }

    public async Task<IReadOnlyList<LogLine>> ReadAsync(Guid deploymentId, LogQuery query, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var lines = db.DeploymentLogs.AsNoTracking().Where(l => l.DeploymentId == deploymentId);
        if (query.AfterId is { } after)
        {
            lines = lines.Where(l => l.Id > after);
        }

        if (query.BeforeId is { } before)
        {
            lines = lines.Where(l => l.Id < before);
        }

        if (query.StageId is { } stage)
        {
            lines = lines.Where(l => l.StageId == stage);
        }

        if (query.MinLevel is { } level && level > DeploymentLogLevel.Debug)
        {
            var levels = Enum.GetValues<DeploymentLogLevel>().Where(l => l >= level).ToList();
            lines = lines.Where(l => levels.Contains(l.Level));
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            lines = lines.Where(Common.Like.Contains<DeploymentLog>(query.Search, l => l.Message));
        }

        var take = Math.Clamp(query.Take, 1, MaxRead);
        // Without a lower bound, the newest lines (the tail) are what a reader wants.
        var page = query.AfterId is null
            ? (await lines.OrderByDescending(l => l.Id).Take(take).Select(Project).ToListAsync(ct)).AsEnumerable().Reverse().ToList()
            : await lines.OrderBy(l => l.Id).Take(take).Select(Project).ToListAsync(ct);
        return page;
    }

    /// <summary>Lines by position in the filtered log (for a virtualised viewer): skip/take over id order.</summary>
    public async Task<IReadOnlyList<LogLine>> WindowAsync(Guid deploymentId, LogQuery filter, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await Filtered(db, deploymentId, filter).OrderBy(l => l.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 1000))
            .Select(Project).ToListAsync(ct);
    }

    /// <summary>How many lines match, counting only lines up to <paramref name="upToId"/> (so live lines after it are not counted twice).</summary>
    public async Task<int> CountAsync(Guid deploymentId, LogQuery filter, long upToId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await Filtered(db, deploymentId, filter).CountAsync(l => l.Id <= upToId, ct);
    }

    /// <summary>The newest line's id (0 when there is none).</summary>
    public async Task<long> LastIdAsync(Guid deploymentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.DeploymentLogs.Where(l => l.DeploymentId == deploymentId).MaxAsync(l => (long?)l.Id, ct) ?? 0;
    }

    /// <summary>Whether a line passes the level and search filter (the same rule as the query, for live lines).</summary>
    public static bool Matches(LogLine line, LogQuery filter) =>
        (filter.MinLevel is not { } level || line.Level >= level) &&
        (filter.StageId is not { } stage || line.StageId == stage) &&
        (string.IsNullOrWhiteSpace(filter.Search) || line.Message.Contains(filter.Search.Trim(), StringComparison.OrdinalIgnoreCase));

    private static IQueryable<DeploymentLog> Filtered(ApplicationDbContext db, Guid deploymentId, LogQuery filter)
    {
        var lines = db.DeploymentLogs.AsNoTracking().Where(l => l.DeploymentId == deploymentId);
        if (filter.StageId is { } stage)
        {
            lines = lines.Where(l => l.StageId == stage);
        }

        if (filter.MinLevel is { } level && level > DeploymentLogLevel.Debug)
        {
            var levels = Enum.GetValues<DeploymentLogLevel>().Where(l => l >= level).ToList();
            lines = lines.Where(l => levels.Contains(l.Level));
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            lines = lines.Where(Common.Like.Contains<DeploymentLog>(filter.Search, l => l.Message));
        }

        return lines;
    }

    public async Task<IReadOnlyList<LogLine>> RangeAsync(Guid deploymentId, long firstId, long lastId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.DeploymentLogs.AsNoTracking()
            .Where(l => l.DeploymentId == deploymentId && l.Id >= firstId && l.Id <= lastId)
            .OrderBy(l => l.Id).Select(Project).ToListAsync(ct);
    }

    public async Task<int> CountAsync(Guid deploymentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.DeploymentLogs.CountAsync(l => l.DeploymentId == deploymentId, ct);
    }

    private static readonly System.Linq.Expressions.Expression<Func<DeploymentLog, LogLine>> Project =
        l => new LogLine(l.Id, l.StageId, l.Timestamp, l.Level, l.Source, l.EventType, l.Message);

    /// <summary>PostgreSQL text cannot hold NUL; very long lines are cut so one runaway line cannot bloat the table.</summary>
    public static string Clean(string message)
    {
        if (message.Contains('\0'))
        {
            message = message.Replace("\0", "");
        }

        return message.Length > MaxMessageLength ? message[..MaxMessageLength] + " …[truncated]" : message;
    }
}
