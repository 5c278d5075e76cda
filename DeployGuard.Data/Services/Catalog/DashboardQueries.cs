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
        // Order an anonymous projection: EF cannot translate ordering on members of a record's constructor.
        var perTeam = (await db.Services.GroupBy(s => s.Team == null ? "(no team)" : s.Team.Name)
                .Select(g => new { Team = g.Key, Count = g.Count() }).OrderByDescending(x => x.Count).ThenBy(x => x.Team).ToListAsync(ct))
            .Select(x => new CountByTeam(x.Team, x.Count)).ToList();
        var runtimes = (await db.Services.GroupBy(s => s.Runtime).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
            .Select(x => new CountByRuntime(x.Key.ToString(), x.Count)).OrderByDescending(x => x.Count).ThenBy(x => x.Runtime).ToList();
        return new DashboardSummary(services, environments, teams, users, perTeam, runtimes);
    }
}
