using System.Runtime.CompilerServices;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Audit;

/// <summary>
/// Reads the audit trail with keyset pagination on id (newest first), so any page costs the same at
/// millions of rows. A date range is turned into an id range first through the created_at index.
/// </summary>
public sealed class AuditService(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    public const int DefaultPageSize = 50;

    /// <param name="before">Show rows older than this id (the cursor of the previous page); null for the newest.</param>
    /// <param name="after">Show the rows just newer than this id (going back a page).</param>
    public async Task<AuditPage> PageAsync(AuditFilter filter, long? before = null, long? after = null, int pageSize = DefaultPageSize,
        CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var query = await FilteredAsync(db, filter, ct);

        List<AuditLog> rows;
        if (after is { } afterId)
        {
            rows = await query.Where(a => a.Id > afterId).OrderBy(a => a.Id).Take(pageSize + 1).ToListAsync(ct);
            var hasNewer = rows.Count > pageSize;
            rows = rows.Take(pageSize).OrderByDescending(a => a.Id).ToList();
            var oldestShown = rows.Count > 0 ? rows[^1].Id : 0;
            var olderExists = rows.Count > 0 && await query.AnyAsync(a => a.Id < oldestShown, ct);
            return new AuditPage(rows.Select(ToRow).ToList(), olderExists ? rows[^1].Id : null, hasNewer);
        }

        var page = query;
        if (before is { } beforeId)
        {
            page = page.Where(a => a.Id < beforeId);
        }

        rows = await page.OrderByDescending(a => a.Id).Take(pageSize + 1).ToListAsync(ct);
        var hasOlder = rows.Count > pageSize;
        rows = rows.Take(pageSize).ToList();
        var newestShown = rows.Count > 0 ? rows[0].Id : 0;
        var newer = before is not null && rows.Count > 0 && await query.AnyAsync(a => a.Id > newestShown, ct);
        return new AuditPage(rows.Select(ToRow).ToList(), hasOlder ? rows[^1].Id : null, newer);
    }

    public async Task<AuditRow?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var row = await db.AuditLogs.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        return row is null ? null : ToRow(row);
    }

    /// <summary>Distinct action names, for the filter drop-down.</summary>
    public async Task<IReadOnlyList<string>> ActionsAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        // A loose index scan over (action, id): one probe per distinct action instead of reading every row.
        return await db.Database.SqlQueryRaw<string>(
            """
            WITH RECURSIVE t(action) AS (
                (SELECT action FROM audit_logs ORDER BY action LIMIT 1)
                UNION ALL
                SELECT (SELECT a.action FROM audit_logs a WHERE a.action > t.action ORDER BY a.action LIMIT 1)
                FROM t WHERE t.action IS NOT NULL)
            SELECT action AS "Value" FROM t WHERE action IS NOT NULL
            """).ToListAsync(ct);
    }

    /// <summary>Every matching row, oldest first, streamed: constant memory whatever the size.</summary>
    public async IAsyncEnumerable<AuditRow> StreamAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
        var query = await FilteredAsync(db, filter, ct);
        await foreach (var row in query.OrderBy(a => a.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return ToRow(row);
        }
    }

    private static async Task<IQueryable<AuditLog>> FilteredAsync(ApplicationDbContext db, AuditFilter filter, CancellationToken ct)
    {
        var query = db.AuditLogs.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = filter.Actor.Trim();
            query = query.Where(Like.Contains<AuditLog>(actor, a => a.UserName).Or(a => a.UserId == actor));
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            query = query.Where(a => a.Action == filter.Action.Trim());
        }

        if (!string.IsNullOrWhiteSpace(filter.ResourceType))
        {
            query = query.Where(a => a.ResourceType == filter.ResourceType.Trim());
        }

        if (!string.IsNullOrWhiteSpace(filter.ResourceId))
        {
            query = query.Where(a => a.ResourceId == filter.ResourceId.Trim());
        }

        // Rows are appended in time order, so a time range is an id range: find its ends via the
        // created_at index and page on id alone.
        if (filter.From is { } from)
        {
            var firstId = await db.AuditLogs.Where(a => a.CreatedAt >= from).OrderBy(a => a.CreatedAt).Select(a => (long?)a.Id)
                .FirstOrDefaultAsync(ct);
            query = query.Where(a => a.Id >= (firstId ?? long.MaxValue));
        }

        if (filter.To is { } to)
        {
            var lastId = await db.AuditLogs.Where(a => a.CreatedAt <= to).OrderByDescending(a => a.CreatedAt).Select(a => (long?)a.Id)
                .FirstOrDefaultAsync(ct);
            query = query.Where(a => a.Id <= (lastId ?? 0));
        }

        return query;
    }

    private static AuditRow ToRow(AuditLog a) =>
        new(a.Id, a.CreatedAt, a.UserId, a.UserName, a.Action, a.ResourceType, a.ResourceId, a.Details, a.IpAddress, a.UserAgent, a.PrevHash, a.Hash);
}
