using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Catalog;

/// <summary>Deployments started on one UTC day, by how they ended.</summary>
public sealed record DeploymentDay(DateOnly Day, int Succeeded, int Failed, int Other)
{
    public string Label => Day.ToString("MMM d", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>What the dashboard shows of the delivery side: recent deployments, what waits, what leaked.</summary>
public sealed record DeliveryActivity(IReadOnlyList<DeploymentDay> Days, int Deployments, int Succeeded, int Finished, int Running,
    int PendingApprovals, int OpenFindings)
{
    /// <summary>Share of finished deployments in the window that succeeded; null when none finished.</summary>
    public double? SuccessRate => Finished == 0 ? null : (double)Succeeded / Finished;
}

internal sealed record DayStatusCount(DateOnly Day, string Status, int Count);

/// <summary>The dashboard's delivery figures: a few grouped counts over indexed columns, in one short-lived context.</summary>
public sealed class DeliveryActivityQueries(IDbContextFactory<ApplicationDbContext> contextFactory, ApprovalService approvals, TimeProvider clock)
{
    public async Task<DeliveryActivity> ActivityAsync(int days = 14, CancellationToken ct = default)
    {
        days = Math.Clamp(days, 1, 90);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - days);
        var since = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        // Grouped in SQL by UTC day: the window may hold many thousands of deployments.
        var counts = (await db.Database.SqlQuery<DayStatusCount>($"""
                SELECT (created_at AT TIME ZONE 'UTC')::date AS day, status, count(*)::int AS count
                FROM deployments WHERE created_at >= {since} AND NOT is_deleted GROUP BY 1, 2
                """).ToListAsync(ct))
            .Select(c => new { Date = c.Day, Status = Enum.Parse<DeploymentStatus>(c.Status), c.Count }).ToList();
        var pending = await approvals.PendingCountAsync(ct);
        var openFindings = await db.SecretFindings.CountAsync(f => f.Status == FindingStatus.Open && !f.Suppressed, ct);

        var byDay = Enumerable.Range(0, days).Select(i => first.AddDays(i)).Select(day =>
        {
            var ofDay = counts.Where(c => c.Date == day).ToList();
            return new DeploymentDay(day,
                ofDay.Where(c => c.Status == DeploymentStatus.Succeeded).Sum(c => c.Count),
                ofDay.Where(c => c.Status is DeploymentStatus.Failed or DeploymentStatus.Rejected).Sum(c => c.Count),
                ofDay.Where(c => c.Status is not (DeploymentStatus.Succeeded or DeploymentStatus.Failed or DeploymentStatus.Rejected)).Sum(c => c.Count));
        }).ToList();
        var succeeded = counts.Where(c => c.Status == DeploymentStatus.Succeeded).Sum(c => c.Count);
        var finished = counts.Where(c => c.Status is not (DeploymentStatus.Queued or DeploymentStatus.Running)).Sum(c => c.Count);
        var running = counts.Where(c => c.Status is DeploymentStatus.Queued or DeploymentStatus.Running).Sum(c => c.Count);
        return new DeliveryActivity(byDay, counts.Sum(c => c.Count), succeeded, finished, running, pending, openFindings);
    }
}
