using System.Text.Json;
using DeployGuard.Cli;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Tests.Scanning.Reports;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Cli;

public sealed class CliScanTests
{
    private readonly FakeSecrets _fake = new(37);

    private string Token() => "gh" + "p_" + _fake.Alnum(36);

    internal static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Scan_FindingsWithFailOnFindings_ExitsOne()
    {
        using var folder = new TempFolder();
        var token = Token();
        folder.Write("app.env", $"GITHUB_TOKEN={token}\n");

        var (exit, output, _) = await RunAsync("scan", folder.Path, "--fail-on-findings");

        Assert.Equal(1, exit);
        Assert.Contains("github-pat", output);
        Assert.Contains("app.env:1:14", output);
        Assert.DoesNotContain(token, output);
    }

    [Fact]
    public async Task Scan_FindingsWithoutFailOnFindings_ExitsZero()
    {
        using var folder = new TempFolder();
        folder.Write("app.env", $"GITHUB_TOKEN={Token()}\n");

        Assert.Equal(0, (await RunAsync("scan", folder.Path)).Exit);
    }

    [Fact]
    public async Task Scan_CleanTree_ExitsZero()
    {
        using var folder = new TempFolder();
        folder.Write("app.py", "print('hello')\n");

        var (exit, output, _) = await RunAsync("scan", folder.Path, "--fail-on-findings");

        Assert.Equal(0, exit);
        Assert.Contains("0 finding(s)", output);
    }

    [Fact]
    public async Task Baseline_ThenScanWithBaseline_SuppressedAndExitsZero()
    {
        using var folder = new TempFolder();
        var token = Token();
        folder.Write("app.env", $"GITHUB_TOKEN={token}\n");
        var baselineFile = Path.Combine(folder.Path, ".deployguard-baseline.json");

        var (baselineExit, baselineOut, _) = await RunAsync("baseline", folder.Path, "--reason", "legacy");
        var (scanExit, scanOut, _) = await RunAsync("scan", folder.Path, "--baseline", baselineFile, "--fail-on-findings", "--show-suppressed");

        Assert.Equal(0, baselineExit);
        Assert.Contains("1 accepted finding", baselineOut);
        Assert.DoesNotContain(token, await File.ReadAllTextAsync(baselineFile));
        Assert.Equal(0, scanExit);
        Assert.Contains("0 finding(s), 1 suppressed", scanOut);
        Assert.Contains("accepted in baseline", scanOut);
    }

    [Fact]
    public async Task Scan_JsonFormat_ReportWithoutRawValues()
    {
        using var folder = new TempFolder();
        var token = Token();
        folder.Write("a/b.yml", $"token: {token}\n");
        var file = Path.Combine(folder.Path, "..", Path.GetFileName(folder.Path) + ".json");

        var (exit, _, err) = await RunAsync("scan", folder.Path, "--format", "json", "--output", file);

        Assert.Equal(0, exit);
        Assert.Contains("written to", err);
        var json = await File.ReadAllTextAsync(file);
        File.Delete(file);
        Assert.DoesNotContain(token, json);
        var report = JsonSerializer.Deserialize<ScanReport>(json, ScanningJson.Options)!;
        Assert.Equal(ScanModes.Directory, report.Mode);
        Assert.Equal(SecretHasher.Hash(token), report.Findings.Single().SecretHash);
        Assert.Equal(1, report.Statistics.FilesScanned);
        Assert.Empty(ContractValidation.Validate(report));
    }

    [Fact]
    public async Task Scan_SarifFormat_ValidSarif()
    {
        using var folder = new TempFolder();
        folder.Write("deploy/k8s.yaml", $"password: {_fake.Password(16)}\ntoken: {Token()}\n");

        var (exit, output, _) = await RunAsync("scan", folder.Path, "--format", "sarif");

        Assert.Equal(0, exit);
        SarifWriterTests.AssertValidSarif(output);
        Assert.Contains("deploy/k8s.yaml", output);
    }

    [Fact]
    public async Task Scan_Staged_ReportsOnlySecretsTheStagedChangesAdd()
    {
        using var repo = new TempGitRepo();
        var old = Token();
        repo.Write("config/app.env", $"NPM_TOKEN={old}\n");
        repo.Write("src/other.js", $"const t = '{Token()}';\n");
        repo.Commit("existing secrets");
        var added = Token();
        // Staged: a new line in a committed file and a new file; not staged: a change in the work tree.
        repo.Write("config/app.env", $"NPM_TOKEN={old}\nBACKUP_TOKEN={added}\n");
        repo.Git("add", "config/app.env");
        var addedFile = Token();
        repo.Write("deploy/new.yml", $"a: 1\ntoken: {addedFile}\n");
        repo.Git("add", "deploy/new.yml");
        repo.Write("src/other.js", $"const t = '{Token()}';\nconst u = '{Token()}';\n");

        var (exit, output, _) = await RunAsync("scan", repo.Path, "--staged", "--fail-on-findings", "--format", "json");

        Assert.Equal(1, exit);
        var report = JsonSerializer.Deserialize<ScanReport>(output, ScanningJson.Options)!;
        Assert.Equal(
            [("config/app.env", 2, SecretHasher.Hash(added)), ("deploy/new.yml", 2, SecretHasher.Hash(addedFile))],
            report.Findings.Select(f => (f.FilePath, f.Line, f.SecretHash)).Order().ToArray());
        Assert.Equal(ScanModes.Directory, report.Mode);
        Assert.Empty(ContractValidation.Validate(report));
    }

    [Fact]
    public async Task Scan_StagedBeforeFirstCommitAndNothingStaged_Handled()
    {
        using var repo = new TempGitRepo();
        var token = Token();
        repo.Write("a.env", $"NPM_TOKEN={token}\n");
        repo.Git("add", "a.env");

        var (firstExit, first, _) = await RunAsync("scan", repo.Path, "--staged", "--format", "json");
        repo.Commit("first");
        var (cleanExit, clean, _) = await RunAsync("scan", repo.Path, "--staged", "--fail-on-findings", "--format", "json");
        var (bothExit, _, bothError) = await RunAsync("scan", repo.Path, "--staged", "--history");

        Assert.Equal(0, firstExit);
        Assert.Equal(SecretHasher.Hash(token), JsonSerializer.Deserialize<ScanReport>(first, ScanningJson.Options)!.Findings.Single().SecretHash);
        Assert.Equal(0, cleanExit);
        Assert.Empty(JsonSerializer.Deserialize<ScanReport>(clean, ScanningJson.Options)!.Findings);
        Assert.Equal(2, bothExit);
        Assert.Contains("cannot be combined", bothError);
    }

    [Fact]
    public async Task Scan_History_ReportsCommitAndFailsOnFindings()
    {
        using var repo = new TempGitRepo();
        repo.Write("a.txt", $"t={Token()}\n");
        var sha = repo.Commit("add");
        repo.Delete("a.txt");
        repo.Commit("remove");

        var (plainExit, _, _) = await RunAsync("scan", repo.Path, "--fail-on-findings");
        var (historyExit, output, _) = await RunAsync("scan", repo.Path, "--history", "--fail-on-findings", "--format", "json");

        Assert.Equal(0, plainExit);
        Assert.Equal(1, historyExit);
        var report = JsonSerializer.Deserialize<ScanReport>(output, ScanningJson.Options)!;
        Assert.Equal(sha, report.Findings.Single().Commit!.Sha);
        Assert.Equal(2, report.Statistics.CommitsScanned);
        Assert.Equal(repo.Git("rev-parse", "HEAD").Trim(), report.Repository!.Commit);
    }

    [Fact]
    public async Task Scan_ConfigInScannedFolder_PickedUpAutomatically()
    {
        using var folder = new TempFolder();
        folder.Write(".deployguard.yml", "rules:\n  - id: acme\n    regex: 'acme_(?<secret>[a-z0-9]{20})'\n    keywords: [acme_]\n");
        folder.Write("x.txt", "k = acme_" + _fake.LowerAlnum(20) + "\n");

        var (exit, output, _) = await RunAsync("scan", folder.Path, "--fail-on-findings");

        Assert.Equal(1, exit);
        Assert.Contains("acme", output);
    }

    [Fact]
    public async Task Scan_InvalidConfig_ExitsTwoWithMessage()
    {
        using var folder = new TempFolder();
        var config = folder.Write("bad.yaml", "rules:\n  - id: bad\n    regex: '(oops'\n");

        var (exit, _, err) = await RunAsync("scan", folder.Path, "--config", config);

        Assert.Equal(2, exit);
        Assert.Contains("Rule 'bad'", err);
    }

    [Fact]
    public async Task Scan_UnknownOptionOrFormat_ExitsTwo()
    {
        Assert.Equal(2, (await RunAsync("scan", ".", "--no-such-option")).Exit);
        Assert.Equal(2, (await RunAsync("scan", ".", "--format", "xml")).Exit);
    }

    [Fact]
    public async Task Scan_HistoryOnPlainFolder_ExitsTwoWithMessage()
    {
        using var folder = new TempFolder();

        var (exit, _, err) = await RunAsync("scan", folder.Path, "--history");

        Assert.Equal(2, exit);
        Assert.Contains("not a git repository", err);
    }

    [Fact]
    public async Task Rules_Lists_AllBuiltInRules()
    {
        var (exit, output, _) = await RunAsync("rules");

        Assert.Equal(0, exit);
        Assert.Contains($"{DeployGuard.Scanning.Rules.BuiltInRules.All.Count} rules.", output);
    }

    [Fact]
    public async Task Clean_SelectedHash_VerifiedAndExitsZero()
    {
        using var repo = new TempGitRepo();
        using var output = new TempFolder();
        var token = Token();
        repo.Write("a.txt", $"t={token}\n");
        repo.Commit("add");

        var (exit, stdout, _) = await RunAsync("clean", repo.Path, "--hash", SecretHasher.Hash(token), "--output", output.Path);

        Assert.Equal(0, exit);
        Assert.Contains("Verified", stdout);
        Assert.DoesNotContain(token, stdout);
    }
}
