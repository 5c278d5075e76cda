using DeployGuard.Web.Analyses;

namespace DeployGuard.Web;

/// <summary>The AI analyses' web side (issue 11, section 5): the worker that runs queued agents, and their API.</summary>
internal static class AnalysesSetup
{
    public static void AddAnalyses(this WebApplicationBuilder builder) => builder.Services.AddHostedService<AnalysisWorker>();

    public static void MapAnalyses(this WebApplication app) => app.MapAnalysesApi();
}
