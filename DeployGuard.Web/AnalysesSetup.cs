using DeployGuard.Web.Analyses;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web;

/// <summary>The AI analyses' web side (issue 11, section 5): the worker of the <c>Analysis</c> job kind, and their API.</summary>
internal static class AnalysesSetup
{
    public static void AddAnalyses(this WebApplicationBuilder builder) => builder.Services.AddJobWorker<AnalysisWorker>();

    public static void MapAnalyses(this WebApplication app) => app.MapAnalysesApi();
}
