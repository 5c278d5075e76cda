using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Analyses;

public static class AnalysesSetup
{
    /// <summary>
    /// The AI agents (issue 11, section 5): options from <c>Analyses</c>, validated at start-up; the chat client; the
    /// runner, queue and worker; the queries.
    /// </summary>
    public static IServiceCollection AddAnalyses(this IServiceCollection services)
    {
        // The validator names the bad setting (never the key's value); ValidateOnStart stops the app on it.
        services.AddOptions<AnalysisOptions>().BindConfiguration(AnalysisOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AnalysisOptions>, AnalysisOptionsValidator>();
        services.AddSingleton<AgentChatClient>();
        services.AddSingleton<AgentContextLoader>();
        services.AddSingleton<AgentRunner>();
        services.AddSingleton<AnalysisQueue>();
        services.AddSingleton<AnalysisService>();
        services.AddSingleton<AgentUsageQueries>();
        services.AddHostedService<AnalysisWorker>();
        return services;
    }

    private sealed class AnalysisOptionsValidator : IValidateOptions<AnalysisOptions>
    {
        public ValidateOptionsResult Validate(string? name, AnalysisOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
