using DeployGuard.Data.Services.Analyses;
using DeployGuard.Data.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Tests.Data.Analyses;

/// <summary>The Analyses section as start-up binds and checks it: the price table, and bad values named by key (never the API key's value).</summary>
public sealed class AnalysisOptionsTests
{
    private const string Key = "sk-live-do-not-print-0123456789";

    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
        services.AddValidatedOptions<AnalysisOptions>(AnalysisOptions.Section);
        return services.BuildServiceProvider();
    }

    private static IReadOnlyList<string> StartupFailures(ServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (Exception e) when (ValidatedOptions.Failures(e) is { } failures)
        {
            return failures;
        }
    }

    [Fact]
    public void Bind_PriceTableFromSettings_CostPerMillionTokens()
    {
        using var services = Services(("Analyses:Prices:gpt-4o-mini:InputPerMillionTokensUsd", "0.15"), ("Analyses:Prices:gpt-4o-mini:OutputPerMillionTokensUsd", "0.60"));

        var options = services.GetRequiredService<IOptions<AnalysisOptions>>().Value;

        Assert.Empty(StartupFailures(services));
        Assert.Equal((0.75m, true), options.Cost("GPT-4o-mini", 1_000_000, 1_000_000));
        Assert.Equal((0.000525m, true), options.Cost("gpt-4o-mini", 1234, 567));
        Assert.Equal((0m, false), options.Cost("llama-3.1-70b-versatile", 1234, 567));
    }

    [Theory]
    [InlineData("Analyses:OpenAI:BaseUrl", "openai", "not a url", "gpt-4o-mini")]
    [InlineData("Analyses:OpenAI:Model", "openai", "https://api.groq.com/openai/v1", "")]
    [InlineData("Analyses:Provider", "anthropic", "https://api.openai.com/v1", "gpt-4o-mini")]
    public void Validate_BadSetting_StartupFailsNamingTheKeyNotTheSecret(string named, string provider, string baseUrl, string model)
    {
        using var services = Services(("Analyses:Provider", provider), ("Analyses:OpenAI:BaseUrl", baseUrl), ("Analyses:OpenAI:Model", model),
            ("Analyses:OpenAI:ApiKey", Key));

        var failures = StartupFailures(services);

        Assert.Contains(failures, f => f.Contains(named, StringComparison.Ordinal));
        Assert.All(failures, f => Assert.DoesNotContain(Key, f));
    }

    [Theory]
    [InlineData("Analyses:Prices:m:InputPerMillionTokensUsd", "-1", "Analyses:Prices:m")]
    [InlineData("Analyses:MaxFindingsInPrompt", "0", "Analyses:MaxFindingsInPrompt")]
    [InlineData("Analyses:OpenAI:TimeoutSeconds", "0", "Analyses:OpenAI:TimeoutSeconds")]
    public void Validate_OutOfRange_StartupFailsNamingTheKey(string key, string value, string named)
    {
        using var services = Services((key, value), ("Analyses:Provider", "openai"), ("Analyses:OpenAI:BaseUrl", "http://localhost:11434/v1"),
            ("Analyses:OpenAI:Model", "llama3.1"), ("Analyses:OpenAI:ApiKey", "ollama"));

        var failures = StartupFailures(services);

        Assert.Contains(failures, f => f.Contains(named, StringComparison.Ordinal));
    }
}
