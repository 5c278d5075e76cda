using DeployGuard.Data.Services.Jobs;
using DeployGuard.Data.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Analyses;

public static class AnalysesSetup
{
    /// <summary>
    /// The AI agents of scans (issue 11, section 5): settings from <c>Analyses</c>, the chat client, the context loader,
    /// the runner and its job kind, the queries. The kind's worker is registered by the web side.
    /// </summary>
    public static IServiceCollection AddAnalysisServices(this IServiceCollection services)
    {
        services.AddValidatedOptions<AnalysisOptions>(AnalysisOptions.Section);
        services.AddSingleton<AgentChatClient>();
        services.AddSingleton<AgentContextLoader>();
        services.AddSingleton<AgentRunner>();
        services.AddSingleton<AnalysisJobs>();
        services.AddSingleton<IJobKind>(sp => sp.GetRequiredService<AnalysisJobs>());
        services.AddSingleton<AnalysisService>();
        services.AddSingleton<AgentUsageQueries>();
        return services;
    }
}
