using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DeployGuard.Tests.Web.Hosting;

/// <summary>The app with settings a test chooses, started on demand.</summary>
public sealed class ConfiguredWebAppFactory(IReadOnlyDictionary<string, string?> settings) : WebAppFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings));
    }
}

/// <summary>Bad job-queue and telemetry settings stop the app at start-up, naming the key, before it serves anything.</summary>
public sealed class StartupValidationTests
{
    [Fact]
    public async Task Start_BadJobsAndTelemetrySettings_FailsNamingEachKey()
    {
        await using var app = new ConfiguredWebAppFactory(new Dictionary<string, string?>
        {
            ["Jobs:Kinds:Scan:Concurrency"] = "100",
            ["Deployments:Runner:Enabled"] = "false",
            ["Telemetry:Metrics:Token"] = "short",
            ["Telemetry:Otlp:Endpoint"] = "collector:4317",
        });
        await app.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        var failures = Flatten(error).OfType<OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        Assert.Contains("The field Jobs:Kinds:Scan:Concurrency must be between 0 and 64 (is 100).", failures);
        Assert.Contains("Deployments:Runner:Enabled is no longer read: set Jobs:Enabled instead.", failures);
        Assert.Contains(failures, f => f.StartsWith("Telemetry:Metrics:Token must be at least 24 characters"));
        Assert.Contains(failures, f => f.StartsWith("Telemetry:Otlp:Endpoint must be an http(s) URL"));
    }

    private static IEnumerable<Exception> Flatten(Exception e) =>
        e is AggregateException aggregate ? aggregate.InnerExceptions.SelectMany(Flatten) : e.InnerException is { } inner ? [e, .. Flatten(inner)] : [e];
}
