using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Hosting;

/// <summary>
/// Bad job-queue and telemetry settings stop the real executable before it serves anything, one line per problem naming
/// its key, with every section's problems at once (the queue's per-kind rules and moved keys come from their own validator).
/// </summary>
public sealed class StartupValidationTests
{
    [Fact]
    public async Task Server_BadJobsAndTelemetrySettings_ExitsTwoNamingEachKey()
    {
        var port = AppProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            // Never reached: settings are checked first.
            ["ConnectionStrings:DeployGuard"] = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none",
            ["Jobs:HeartbeatSeconds"] = "0",
            ["Jobs:Kinds:Scan:Concurrency"] = "100",
            ["Jobs:Kinds:Nonsense:Concurrency"] = "1",
            ["Deployments:Runner:Enabled"] = "false",
            ["Deployments:Runner:LogBatchSize"] = "0",
            ["Telemetry:Metrics:Token"] = "short",
            ["Telemetry:Metrics:Path"] = "metrics",
            ["Telemetry:Otlp:Endpoint"] = "collector:4317",
            ["Telemetry:Otlp:Protocol"] = "udp",
            ["Telemetry:RefreshSeconds"] = "0",
        };

        var (exit, output, error) = await AppProcess.RunCommandAsync(settings, "--urls", $"http://localhost:{port}");

        Assert.Equal(2, exit);
        var lines = error.Trim().Split('\n').Select(l => l.Trim()).ToList();
        Assert.All(lines, l => Assert.StartsWith("DeployGuard cannot start: ", l));
        Assert.Contains("DeployGuard cannot start: The field Jobs:HeartbeatSeconds must be between 1 and 300.", lines);
        Assert.Contains("DeployGuard cannot start: The field Jobs:Kinds:Scan:Concurrency must be between 0 and 64 (is 100).", lines);
        Assert.Contains(lines, l => l.StartsWith("DeployGuard cannot start: Jobs:Kinds:Nonsense names no job kind (known: ", StringComparison.Ordinal));
        Assert.Contains("DeployGuard cannot start: Deployments:Runner:Enabled is no longer read: set Jobs:Enabled instead.", lines);
        Assert.Contains("DeployGuard cannot start: The field Deployments:Runner:LogBatchSize must be between 1 and 100000.", lines);
        Assert.Contains(lines, l => l.StartsWith("DeployGuard cannot start: Telemetry:Metrics:Token must be at least 24 characters", StringComparison.Ordinal));
        Assert.Contains("DeployGuard cannot start: Telemetry:Metrics:Path must be a path starting with / (like /metrics).", lines);
        Assert.Contains("DeployGuard cannot start: Telemetry:Otlp:Endpoint must be an http(s) URL like http://otel-collector:4317.", lines);
        Assert.Contains("DeployGuard cannot start: Telemetry:Otlp:Protocol must be grpc or http/protobuf.", lines);
        Assert.Contains("DeployGuard cannot start: The field Telemetry:RefreshSeconds must be between 1 and 3600.", lines);
        // The token's value is a secret: never echoed.
        Assert.DoesNotContain("short", error.Replace("Telemetry:Metrics:Token", ""), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output);
    }
}
