using DeployGuard.Data.Services.Analyses;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web.Analyses;

/// <summary>The worker of <c>Analysis</c> jobs (<c>Jobs:Kinds:Analysis:Concurrency</c>, default 2).</summary>
internal sealed class AnalysisWorker(JobWorkerServices services, AnalysisJobs kind, AgentRunner runner) : JobWorker<AnalysisWork>(services, kind)
{
    protected override string ShutdownMessage => "DeployGuard stopped while this analysis ran; ask for it again.";

    protected override async Task<JobResult> RunAsync(JobRun<AnalysisWork> run, CancellationToken ct)
    {
        // The run stores its own outcome (an agent_executions row, success or not); only an unreachable database throws.
        await runner.RunAsync(run.Work.ScanId, run.Work.Agent, run.Work.Caller, ct);
        return JobResult.Succeeded;
    }
}
