using DeployGuard.Data.Services.Jobs;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Tests.Data.Jobs;

/// <summary>Bad Jobs settings stop the services with a message naming the key (the web app checks them at start-up).</summary>
public sealed class JobsOptionsTests
{
    [Fact]
    public void Validate_BadValuesAndMovedKeys_NameEveryKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jobs:PollIntervalMilliseconds"] = "0",
            ["Jobs:Kinds:Scan:Concurrency"] = "100",
            ["Jobs:Kinds:DeploymentStage:StaleAfterSeconds"] = "1",
            ["Jobs:Kinds:Nonsense:Concurrency"] = "1",
            ["Deployments:Runner:MaxConcurrency"] = "8",
            ["Scanning:Workers"] = "2",
        }).Build();
        using var services = TestPostgres.BuildDataServices("Host=unused", s => s.AddSingleton<IConfiguration>(configuration));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<JobsOptions>>().Value);

        Assert.Contains("The field Jobs:PollIntervalMilliseconds must be between 10 and 60000.", error.Failures);
        Assert.Contains("The field Jobs:Kinds:Scan:Concurrency must be between 0 and 64 (is 100).", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Jobs:Kinds:DeploymentStage:StaleAfterSeconds (1) must exceed Jobs:HeartbeatSeconds (2)"));
        Assert.Contains(error.Failures, f => f.StartsWith("Jobs:Kinds:Nonsense names no job kind (known: ") && f.Contains("DeploymentStage"));
        Assert.Contains("Deployments:Runner:MaxConcurrency is no longer read: set Jobs:Kinds:DeploymentStage:Concurrency instead.", error.Failures);
        Assert.Contains("Scanning:Workers is no longer read: set Jobs:Kinds:Scan:Concurrency and Jobs:Kinds:Clean:Concurrency instead.", error.Failures);
    }

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        using var services = TestPostgres.BuildDataServices("Host=unused");

        var options = services.GetRequiredService<IOptions<JobsOptions>>().Value;
        var kinds = services.GetServices<IJobKind>().ToDictionary(k => k.Name);

        Assert.Equal(4, options.PolicyFor(kinds["DeploymentStage"]).Concurrency);
        Assert.Equal(1, options.PolicyFor(kinds["Scan"]).Concurrency);
        Assert.Equal(3, options.PolicyFor(kinds["Clean"]).MaxAttempts);
    }
}
