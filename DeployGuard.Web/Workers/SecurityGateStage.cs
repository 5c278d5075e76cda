using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;

namespace DeployGuard.Web.Workers;

/// <summary>Evaluates the findings stored for the release's commit against the environment's policy, and records the decision.</summary>
internal sealed class SecurityGateStage(ISecurityFindingsSource findings, DeploymentEngine engine, TimeProvider clock)
{
    public async Task<StageOutcome> RunAsync(ClaimedStage stage, CancellationToken cancel)
    {
        var context = stage.Context;
        var summary = string.IsNullOrEmpty(context.CommitSha)
            ? null
            : await findings.FindAsync(context.ServiceId, context.RepositoryUrl, context.CommitSha, cancel);
        var (decision, reason) = SecurityGatePolicy.Evaluate(context.SecurityPolicy, context.CommitSha, summary);
        await engine.RecordGateDecisionAsync(new SecurityGateDecision
        {
            DeploymentId = stage.DeploymentId, StageId = stage.StageId, CommitSha = context.CommitSha, Decision = decision, Reason = reason,
            Policy = context.SecurityPolicy, ScanResultsFound = summary is not null, CriticalCount = summary?.Critical ?? 0,
            HighCount = summary?.High ?? 0, MediumCount = summary?.Medium ?? 0, LowCount = summary?.Low ?? 0, DecidedAt = clock.GetUtcNow(),
        }, CancellationToken.None);
        return decision == GateDecision.Reject ? StageOutcome.Failed(reason) : StageOutcome.Succeeded();
    }
}
