using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Common;

/// <summary>
/// Who may release and deploy a service: admins always; engineers when they belong to the service's team, or when the
/// service has no team yet (nobody owns it, so no team is left out). Viewers and approvers never. A caller with a
/// service-scoped token never acts on another service, whatever its owner's role.
/// </summary>
public static class TeamAccess
{
    public const string Denied = "Only admins and engineers of the service's team can release and deploy it.";

    public static async Task<bool> MayOperateAsync(ApplicationDbContext db, Guid serviceId, Caller caller, CancellationToken ct = default)
    {
        if (!caller.InScope(serviceId))
        {
            return false;
        }

        if (caller.IsAdmin)
        {
            return true;
        }

        if (!caller.IsEngineer || caller.UserId is null)
        {
            return false;
        }

        var teamId = await db.Services.Where(s => s.Id == serviceId).Select(s => s.TeamId).FirstOrDefaultAsync(ct);
        return teamId is null || await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == caller.UserId, ct);
    }
}
