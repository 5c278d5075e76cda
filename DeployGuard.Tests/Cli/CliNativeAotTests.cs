using System.Diagnostics;
using System.Text.Json;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Tests.Scanning.Reports;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Cli;

/// <summary>
/// The CLI as it is released: <c>dotnet publish -r linux-x64</c>, which compiles it with Native AOT (no JIT, no
/// reflection-based serialization). The other CLI tests run it in-process on the JIT, where reflection works, so only
/// this test shows that every document the CLI reads or writes (reports, SARIF, baselines, YAML and TOML rules) works
/// in the native executable. One publish (a few minutes of the native compiler), then the executable on a real
/// repository.
/// </summary>
[Trait("Category", "NativeAot")]
public sealed class CliNativeAotTests
{
    private readonly FakeSecrets _fake = new(41);

    [Fact]
    public async Task Publish_NativeAot_ExecutableScansStagedReportsBaselinesAndConfigurations()
    {
        using var output = new TempFolder();
        var project = Path.Combine(RepositoryPaths.RepositoryRoot(), "DeployGuard.Cli", "DeployGuard.Cli.csproj");
        var publish = await RunAsync("dotnet", ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", output.Path, "--nologo"], TimeSpan.FromMinutes(20));
        Assert.True(publish.Exit == 0, publish.Out + publish.Err);
        // Trim or AOT warnings mean code that may fail at run time in the native executable.
        Assert.DoesNotContain("warning IL", publish.Out + publish.Err);
        var cli = Path.Combine(output.Path, "deployguard");
        Assert.True(File.Exists(cli), "no native executable at " + cli);
        Assert.False(File.Exists(Path.Combine(output.Path, "deployguard.dll")), "published as IL, not native");

        using var repo = new TempGitRepo();
        repo.Write("src/app.js", "export const x = 1;\n");
        repo.Commit("initial");
        var token = "gh" + "p_" + _fake.Alnum(36);
        var custom = "ACME-" + _fake.UpperAlnum(24);
        repo.Write("src/app.js", $"export const x = 1;\nexport const token = '{token}';\nexport const acme = '{custom}';\n");
        repo.Git("add", "src/app.js");
        // YAML rules found in the repository (extending the built-in rules).
        repo.Write(".deployguard.yml", "rules:\n  - id: acme-key\n    description: ACME key\n    regex: 'ACME-[A-Z0-9]{24}'\n    keywords: [acme-]\n    secret_type: api_key\n    severity: high\n");

        var staged = await RunAsync(cli, ["scan", repo.Path, "--staged", "--format", "json", "--fail-on-findings"], TimeSpan.FromMinutes(2));
        Assert.True(staged.Exit == 1, staged.Out + staged.Err);
        var report = JsonSerializer.Deserialize<ScanReport>(staged.Out, ScanningJson.Options)!;
        Assert.Equal(["acme-key", "github-pat"], report.Findings.Select(f => f.RuleId).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(SecretHasher.Hash(token), report.Findings.Single(f => f.RuleId == "github-pat").SecretHash);
        Assert.Equal(SecretType.ApiKey, report.Findings.Single(f => f.RuleId == "acme-key").SecretType);
        Assert.Contains("\"secretType\": \"api_key\"", staged.Out);
        Assert.Empty(ContractValidation.Validate(report));
        Assert.DoesNotContain(token, staged.Out);

        var sarif = await RunAsync(cli, ["scan", repo.Path, "--staged", "--format", "sarif"], TimeSpan.FromMinutes(2));
        Assert.True(sarif.Exit == 0, sarif.Err);
        SarifWriterTests.AssertValidSarif(sarif.Out);

        // A baseline written by the executable, then read by it: both findings accepted.
        var baselineFile = Path.Combine(repo.Path, ".deployguard-baseline.json");
        var baseline = await RunAsync(cli, ["baseline", repo.Path, "--output", baselineFile], TimeSpan.FromMinutes(2));
        Assert.True(baseline.Exit == 0, baseline.Out + baseline.Err);
        var accepted = await RunAsync(cli, ["scan", repo.Path, "--staged", "--baseline", baselineFile, "--fail-on-findings"], TimeSpan.FromMinutes(2));
        Assert.True(accepted.Exit == 0, accepted.Out + accepted.Err);
        Assert.Contains("0 finding(s), 2 suppressed", accepted.Out);

        // TOML rules (the gitleaks format) replace the built-in ones: only the custom rule reports.
        var toml = Path.Combine(output.Path, "rules.toml");
        await File.WriteAllTextAsync(toml, "[[rules]]\nid = \"acme-key\"\ndescription = \"ACME key\"\nregex = '''ACME-[A-Z0-9]{24}'''\nkeywords = [\"acme-\"]\n");
        var tomlScan = await RunAsync(cli, ["scan", repo.Path, "--staged", "--config", toml, "--format", "json"], TimeSpan.FromMinutes(2));
        Assert.True(tomlScan.Exit == 0, tomlScan.Out + tomlScan.Err);
        Assert.Equal(["acme-key"], JsonSerializer.Deserialize<ScanReport>(tomlScan.Out, ScanningJson.Options)!.Findings.Select(f => f.RuleId).ToArray());

        // A bad configuration is a usage error with the file's line, not a crash of the native executable.
        await File.WriteAllTextAsync(toml, "[[rules]\nid = 1\n");
        var bad = await RunAsync(cli, ["scan", repo.Path, "--staged", "--config", toml], TimeSpan.FromMinutes(2));
        Assert.Equal(2, bad.Exit);
        Assert.Contains("TOML line", bad.Err);
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string file, string[] arguments, TimeSpan deadline)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {deadline}.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
