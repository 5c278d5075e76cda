using System.Text.RegularExpressions;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// The environment's protection rules for deploying a release there. Some are absolute (draft, blocked release,
/// branch not allowed); freeze windows and the promotion order may be overridden by an admin with a reason.
/// </summary>
internal static class ProtectionRules
{
    public sealed record Outcome((string Field, string Message)? Blocking, IReadOnlyList<(string Kind, string Field, string Message)> Overridable);

    public static async Task<Outcome> CheckAsync(ApplicationDbContext db, Release release, DeploymentEnvironment environment, DateTimeOffset now,
        CancellationToken ct)
    {
        const string releaseField = nameof(StartDeploymentInput.ReleaseId);
        const string environmentField = nameof(StartDeploymentInput.EnvironmentId);
        if (release.Status == ReleaseStatus.Draft)
        {
            return new Outcome((releaseField, $"Release {release.Version} is a draft; mark it ready before deploying it."), []);
        }

        var block = await db.BlockedReleases.AsNoTracking()
            .FirstOrDefaultAsync(b => b.EnvironmentId == environment.Id && b.ReleaseId == release.Id && b.UnblockedAt == null, ct);
        if (block is not null)
        {
            return new Outcome((releaseField,
                $"Release {release.Version} is blocked in {environment.Name} ({block.Reason}). Unblock it with a reason before deploying it there again."), []);
        }

        if (!BranchAllowed(environment.AllowedBranches, release.Branch))
        {
            return new Outcome((releaseField,
                $"Release {release.Version} comes from branch '{release.Branch ?? "(none)"}'; {environment.Name} only accepts {environment.AllowedBranches}."), []);
        }

        var overridable = new List<(string, string, string)>();
        var freeze = await db.FreezeWindows.AsNoTracking()
            .Where(f => f.EnvironmentId == environment.Id && f.StartsAt <= now && f.EndsAt > now)
            .OrderByDescending(f => f.EndsAt).FirstOrDefaultAsync(ct);
        if (freeze is not null)
        {
            overridable.Add((AuditActions.DeploymentFreezeOverridden, environmentField,
                $"{environment.Name} is frozen until {freeze.EndsAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({freeze.Reason})."));
        }

        var previous = await db.Environments.AsNoTracking()
            .Where(e => e.SortOrder < environment.SortOrder)
            .OrderByDescending(e => e.SortOrder).ThenBy(e => e.Name).FirstOrDefaultAsync(ct);
        if (previous is not null &&
            !await db.Deployments.AnyAsync(d => d.ReleaseId == release.Id && d.EnvironmentId == previous.Id && d.Status == DeploymentStatus.Succeeded, ct))
        {
            overridable.Add((AuditActions.DeploymentPromotionOverridden, environmentField,
                $"Release {release.Version} has not succeeded in {previous.Name} yet; promote it there first."));
        }

        return new Outcome(null, overridable);
    }

    /// <summary>Comma- or space-separated patterns where '*' matches anything (so release/* matches release/1.2).</summary>
    public static bool BranchAllowed(string? patterns, string? branch)
    {
        var list = Split(patterns);
        if (list.Count == 0)
        {
            return true;
        }

        return branch is not null && list.Any(p => Regex.IsMatch(branch, "^" + Regex.Escape(p).Replace(@"\*", ".*") + "$",
            RegexOptions.None, TimeSpan.FromMilliseconds(100)));
    }

    public static List<string> Split(string? patterns) =>
        (patterns ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
