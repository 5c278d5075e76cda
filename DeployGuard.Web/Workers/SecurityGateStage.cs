using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Vulnerabilities;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Judges the release against the environment's security policy (SecurityGateService) and records the decision, its
/// reasoning, the matched findings, the policy version and the scans used. A block fails the stage; a warning does not.
/// </summary>
internal sealed class SecurityGateStage(SecurityGateService gate, DeploymentEngine engine, TimeProvider clock)
{
    public async Task<StageOutcome> RunAsync(ClaimedStage stage, CancellationToken cancel)
    {
        var context = stage.Context;
        var judged = await gate.EvaluateAsync(new GateRequest(context.ServiceId, context.EnvironmentId, context.CommitSha, context.ReleaseId,
            context.RepositoryUrl), cancel);
        if (!judged.Succeeded)
        {
            return StageOutcome.Failed($"The security gate could not judge this release: {judged.Message}");
        }

        var result = judged.Value!;
        var verdict = result.Verdict;
        var now = clock.GetUtcNow();
        var evaluation = verdict.Evaluation;
        var counted = evaluation.Outcomes.SelectMany(o => o.Findings).DistinctBy(f => f.Id).ToList();
        await engine.RecordGateDecisionAsync(new SecurityGateDecision
        {
            DeploymentId = stage.DeploymentId, StageId = stage.StageId, CommitSha = context.CommitSha, Decision = verdict.Decision,
            Reason = verdict.Reasoning.Length > 2000 ? verdict.Reasoning[..1999] + "…" : verdict.Reasoning, Policy = result.Preset,
            ScanResultsFound = evaluation.Scans.Count > 0,
            CriticalCount = counted.Count(f => f.Severity == DeployGuard.Scanning.Severity.Critical),
            HighCount = counted.Count(f => f.Severity == DeployGuard.Scanning.Severity.High),
            MediumCount = counted.Count(f => f.Severity == DeployGuard.Scanning.Severity.Medium),
            LowCount = counted.Count(f => f.Severity <= DeployGuard.Scanning.Severity.Low),
            DecidedAt = now, PolicyVersionId = result.PolicyVersionId, PolicyVersion = evaluation.PolicyVersion,
            Evaluation = SecurityGateService.EvaluationJson(verdict),
        }, id => SecurityGateService.ToSecurityScans(verdict, stage.DeploymentId, id, now), CancellationToken.None);
        return verdict.Decision == GateDecision.Reject ? StageOutcome.Failed(FirstLine(verdict.Reasoning)) : StageOutcome.Succeeded();
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0];
}
