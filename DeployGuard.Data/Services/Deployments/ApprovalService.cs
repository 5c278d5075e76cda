using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Releases;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Deployments;

public sealed record ApprovalRow(Guid Id, string? ApproverName, ApprovalDecision Decision, string? Notes, DateTimeOffset DecidedAt);

/// <summary>A deployment waiting for approval, as the inbox shows it.</summary>
public sealed record PendingApproval(Guid DeploymentId, Guid StageId, string StageName, Guid ServiceId, string ServiceName, Guid ReleaseId,
    string Version, string EnvironmentName, string? TriggeredByName, DateTimeOffset WaitingSince, int Required, IReadOnlyList<ApprovalRow> Decisions,
    string NotesHtml, string? LiveVersion, IReadOnlyList<string> VersionsSinceLive, GateDecision? Gate, string? GateReason, string? CannotDecideReason);

/// <summary>
/// Approvals of deployments. A decision locks the deployment row (SELECT ... FOR UPDATE) before it reads the
/// approval stage and counts decisions, so approvers clicking at once queue up: none is lost, none counted twice,
/// and the stage moves on exactly once, when the required number is reached. A unique index on (stage, approver)
/// backs this up.
/// </summary>
public sealed class ApprovalService(
    IDbContextFactory<ApplicationDbContext> contextFactory,
    AuditWriter audit,
    DeploymentEngine engine)
{
    public Task<Result<DeploymentStatus>> DecideAsync(Guid deploymentId, ApprovalInput input, Caller caller, CancellationToken ct = default) =>
        engine.ChangeAsync<DeploymentStatus>(deploymentId, async (changes, deployment) =>
        {
            var db = changes.Db;
            var errors = InputValidator.Validate(input);
            if (errors.Count > 0)
            {
                return Result<DeploymentStatus>.Invalid(errors);
            }

            var stage = await db.DeploymentStages.FirstOrDefaultAsync(s => s.DeploymentId == deploymentId && s.Kind == StageKind.Approval &&
                                                                           s.Status == StageStatus.Running, ct);
            if (stage is null)
            {
                return Result<DeploymentStatus>.Invalid("", deployment.IsFinished
                    ? $"This deployment already {DeploymentEngine.Verb(deployment.Status)}; it takes no more decisions."
                    : "This deployment is not waiting for an approval right now.");
            }

            var environment = await db.Environments.AsNoTracking().FirstAsync(e => e.Id == deployment.EnvironmentId, ct);
            if (await CannotDecideAsync(db, deployment, environment, stage.Id, caller, ct) is { } reason)
            {
                return Result<DeploymentStatus>.Forbidden(reason);
            }

            var notes = string.IsNullOrWhiteSpace(input.Notes) ? null : input.Notes.Trim();
            var approval = new Approval
            {
                Id = Guid.CreateVersion7(), DeploymentId = deploymentId, StageId = stage.Id, ApproverId = caller.UserId, ApproverName = caller.UserName,
                Decision = input.Approve ? ApprovalDecision.Approved : ApprovalDecision.Rejected, Notes = notes, DecidedAt = changes.Now,
            };
            db.Approvals.Add(approval);
            var required = Math.Max(1, StageDefinition.FromJson(stage.Config).Approvals ?? environment.RequiredApprovals);
            var approvals = await db.Approvals.CountAsync(a => a.StageId == stage.Id && a.Decision == ApprovalDecision.Approved, ct) +
                            (input.Approve ? 1 : 0);
            var release = await db.Releases.AsNoTracking().FirstAsync(r => r.Id == deployment.ReleaseId, ct);
            audit.Add(db, caller.Actor, input.Approve ? AuditActions.DeploymentApproved : AuditActions.DeploymentRejected,
                ResourceTypes.Deployment, deploymentId.ToString(),
                new { release = release.Version, environment = environment.Name, stage = stage.Name, notes, approvals, required });
            changes.Log(deploymentId, stage.Id, input.Approve ? DeploymentLogLevel.Info : DeploymentLogLevel.Warning, "approval_decided",
                input.Approve
                    ? $"Approved by {caller.UserName} ({approvals} of {required})" + (notes is null ? "." : $": {notes}")
                    : $"Rejected by {caller.UserName}" + (notes is null ? "." : $": {notes}"));
            changes.Raise(new DeploymentEvent(DeploymentEventKind.ApprovalDecided, deploymentId)
            {
                StageId = stage.Id, StageName = stage.Name, Status = input.Approve ? "Approved" : "Rejected",
                Approval = new ApprovalRow(approval.Id, approval.ApproverName, approval.Decision, approval.Notes, approval.DecidedAt),
            });

            if (!input.Approve)
            {
                await engine.EndStageAsync(changes, deployment, stage,
                    StageOutcome.Failed($"Rejected by {caller.UserName}" + (notes is null ? "" : $": {notes}")) with
                    {
                        EndDeploymentAs = DeploymentStatus.Rejected,
                    }, ct);
            }
            else if (approvals >= required)
            {
                var wait = environment.WaitTimerSeconds;
                await engine.EndStageAsync(changes, deployment, stage,
                    StageOutcome.Succeeded() with { NextNotBefore = wait > 0 ? changes.Now.AddSeconds(wait) : null }, ct);
            }

            return Result<DeploymentStatus>.Ok(deployment.Status);
        }, ct, onConflict: ex => ex.IsUniqueViolation() ? Result<DeploymentStatus>.Invalid("", "You have already decided on this deployment.") : null);

    /// <summary>Why the caller may not decide on this approval stage, or null when they may.</summary>
    private static async Task<string?> CannotDecideAsync(ApplicationDbContext db, Deployment deployment, DeploymentEnvironment environment, Guid stageId,
        Caller caller, CancellationToken ct)
    {
        if (!caller.IsApprover && !caller.IsAdmin)
        {
            return "Only approvers and admins can approve or reject deployments.";
        }

        if (caller.UserId is not null && caller.UserId == deployment.TriggeredById)
        {
            return "You started this deployment, so someone else has to approve it.";
        }

        if (environment.ApprovalTeamIds.Count > 0 &&
            !await db.TeamMembers.AnyAsync(m => m.UserId == caller.UserId && environment.ApprovalTeamIds.Contains(m.TeamId), ct))
        {
            var teams = await db.Teams.Where(t => environment.ApprovalTeamIds.Contains(t.Id)).Select(t => t.Name).ToListAsync(ct);
            return $"Approvals for {environment.Name} come from members of {string.Join(", ", teams)}.";
        }

        if (await db.Approvals.AnyAsync(a => a.StageId == stageId && a.ApproverId == caller.UserId, ct))
        {
            return "You have already decided on this deployment.";
        }

        return null;
    }

    /// <summary>
    /// Who to email about a deployment waiting for approval: approvers (of the environment's teams, when restricted)
    /// other than the deployer, who have not turned approval mails off.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApproverEmailsAsync(Guid deploymentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var deployment = await db.Deployments.AsNoTracking().Include(d => d.Environment).FirstOrDefaultAsync(d => d.Id == deploymentId, ct);
        if (deployment is null)
        {
            return [];
        }

        var teams = deployment.Environment!.ApprovalTeamIds;
        var approvers = db.Users.Where(u => u.Email != null && u.EmailConfirmed && u.Id != deployment.TriggeredById &&
                                            db.UserRoles.Any(ur => ur.UserId == u.Id &&
                                                                   db.Roles.Any(r => r.Id == ur.RoleId && r.Name == Users.Roles.Approver)));
        if (teams.Count > 0)
        {
            approvers = approvers.Where(u => db.TeamMembers.Any(m => m.UserId == u.Id && teams.Contains(m.TeamId)));
        }

        return await approvers
            .Where(u => !db.UserPreferences.Any(p => p.UserId == u.Id && (!p.EmailNotifications || !p.ApprovalRequestNotifications)))
            .Select(u => u.Email!).ToListAsync(ct);
    }

    public async Task<int> PendingCountAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.DeploymentStages.CountAsync(s => s.Kind == StageKind.Approval && s.Status == StageStatus.Running &&
                                                         !s.Deployment!.IsDeleted, ct);
    }

    /// <summary>Every deployment waiting for approval, oldest first, with what an approver needs to decide.</summary>
    public async Task<IReadOnlyList<PendingApproval>> PendingAsync(Caller caller, Guid? deploymentId = null, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var stages = await db.DeploymentStages.AsNoTracking()
            .Where(s => s.Kind == StageKind.Approval && s.Status == StageStatus.Running && !s.Deployment!.IsDeleted)
            .Where(s => deploymentId == null || s.DeploymentId == deploymentId)
            .Include(s => s.Deployment!).ThenInclude(d => d.Release!).ThenInclude(r => r.Service)
            .Include(s => s.Deployment!).ThenInclude(d => d.Environment)
            .OrderBy(s => s.StartedAt).Take(200).ToListAsync(ct);
        var result = new List<PendingApproval>();
        foreach (var stage in stages)
        {
            var deployment = stage.Deployment!;
            var release = deployment.Release!;
            var environment = deployment.Environment!;
            var decisions = await db.Approvals.AsNoTracking().Where(a => a.StageId == stage.Id).OrderBy(a => a.DecidedAt)
                .Select(a => new ApprovalRow(a.Id, a.ApproverName, a.Decision, a.Notes, a.DecidedAt)).ToListAsync(ct);
            var live = await db.Deployments.AsNoTracking()
                .Where(d => d.ServiceId == deployment.ServiceId && d.EnvironmentId == deployment.EnvironmentId && d.Status == DeploymentStatus.Succeeded)
                .OrderByDescending(d => d.CompletedAt).Select(d => d.Release).FirstOrDefaultAsync(ct);
            var since = await db.Releases.AsNoTracking()
                .Where(r => r.ServiceId == release.ServiceId && string.Compare(r.VersionSortKey, release.VersionSortKey) <= 0 &&
                            (live == null || string.Compare(r.VersionSortKey, live.VersionSortKey) > 0))
                .OrderByDescending(r => r.VersionSortKey).Take(20).Select(r => r.Version).ToListAsync(ct);
            var gate = await db.SecurityGateDecisions.AsNoTracking().Where(g => g.DeploymentId == deployment.Id).OrderByDescending(g => g.DecidedAt)
                .FirstOrDefaultAsync(ct);
            var required = Math.Max(1, StageDefinition.FromJson(stage.Config).Approvals ?? environment.RequiredApprovals);
            result.Add(new PendingApproval(deployment.Id, stage.Id, stage.Name, release.ServiceId, release.Service!.Name, release.Id, release.Version,
                environment.Name, deployment.TriggeredByName, stage.StartedAt ?? deployment.CreatedAt, required, decisions,
                ReleaseNotes.ToHtml(release.Notes), live?.Version, since, gate?.Decision, gate?.Reason,
                await CannotDecideAsync(db, deployment, environment, stage.Id, caller, ct)));
        }

        return result;
    }
}
