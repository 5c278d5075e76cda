using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Catalog;

public sealed record CountByTeam(string Team, int Count);

public sealed record CountByRuntime(string Runtime, int Count);

public sealed record DashboardSummary(int Services, int Environments, int Teams, int Users, IReadOnlyList<CountByTeam> ServicesPerTeam,
    IReadOnlyList<CountByRuntime> Runtimes);

/// <summary>The dashboard's figures, in one short-lived context.</summary>
public sealed class DashboardQueries(IDbContextFactory<ApplicationDbContext> contextFactory)
{
    public async Task<DashboardSummary> SummaryAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var services = await db.Services.CountAsync(ct);
        var environments = await db.Environments.CountAsync(ct);
        var teams = await db.Teams.CountAsync(ct);
        var users = await db.Users.CountAsync(ct);
        var counts = await db.Services.GroupBy(s => s.TeamId).Select(g => new { TeamId = g.Key, Count = g.Count() }).ToListAsync(ct);
        var names = await db.Teams.ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var perTeam = counts
            .Select(c => new CountByTeam(c.TeamId is { } id && names.TryGetValue(id, out var name) ? name : "(no team)", c.Count))
            .OrderByDescending(x => x.Count).ToList();
        var runtimes = (await db.Services.GroupBy(s => s.Runtime).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
            .Select(x => new CountByRuntime(x.Key.ToString(), x.Count)).OrderByDescending(x => x.Count).ToList();
        return new DashboardSummary(services, environments, teams, users, perTeam, runtimes);
    }
}
