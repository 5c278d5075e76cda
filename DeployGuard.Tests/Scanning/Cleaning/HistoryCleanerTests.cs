using DeployGuard.Scanning;
using DeployGuard.Scanning.Cleaning;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning.Cleaning;

public sealed class HistoryCleanerTests
{
    private readonly FakeSecrets _fake = new(29);

    [Fact]
    public async Task CleanAsync_SecretsAcrossBranches_RemovedAndHistoryShapeKept()
    {
        using var repo = new TempGitRepo();
        using var output = new TempFolder();
        var mainSecret = "gh" + "p_" + _fake.Alnum(36);
        var featureSecret = "sk" + "_live_" + _fake.Alnum(24);
        var keptSecret = "np" + "m_" + _fake.Alnum(36);

        repo.Write("README.md", "# service\n");
        repo.Write("src/app.py", "print('hi')\n");
        repo.Commit("initial");
        repo.Write("src/settings.py", $"GITHUB_TOKEN = \"{mainSecret}\"\nNPM = \"{keptSecret}\"\n");
        repo.Commit("settings", "Alice", "alice@example.test");
        repo.Git("checkout", "--quiet", "-b", "feature/payments");
        repo.Write("pay/stripe.env", $"STRIPE_KEY={featureSecret}\n");
        repo.Commit("payments", "Bob", "bob@example.test");
        repo.Write("pay/stripe.env", "STRIPE_KEY=${STRIPE_KEY}\n");
        repo.Commit("use env var");
        repo.Git("checkout", "--quiet", "main");
        repo.Write("src/settings.py", $"GITHUB_TOKEN = \"{mainSecret}\"\nNPM = \"{keptSecret}\"\nDEBUG = False\n");
        repo.Commit($"tweak settings");
        repo.Git("merge", "--quiet", "--no-ff", "-m", "merge payments", "feature/payments");
        repo.Git("tag", "-a", "v1.0", "-m", "release 1.0");

        var targets = new[] { SecretHasher.Hash(mainSecret), SecretHasher.Hash(featureSecret) };
        var progress = new RecordingProgress<CleaningPhase>();
        var result = await new HistoryCleaner(new SecretScanner()).CleanAsync(new CleaningRequest(repo.Path, targets, output.Path), progress);

        // Proof from the cleaner itself.
        Assert.True(result.Verified);
        Assert.Equal(targets.Order(), result.CleanedHashes);
        Assert.Empty(result.HashesNotFound);
        Assert.True(result.OccurrencesReplaced >= 2);
        Assert.Equal(CleaningPhase.Completed, progress.Reports[^1]);

        // What changed and what remains: the GitHub token sat in two commits ("settings", "tweak settings") and the
        // Stripe key in one; the npm token nobody selected is in the cleaner's own re-scan, not as a selected value.
        Assert.Equal(3, result.CommitsChanged);
        Assert.True(result.CommitsRewritten > result.CommitsChanged);
        Assert.Contains(result.RescanFindings, f => f.SecretHash == SecretHasher.Hash(keptSecret));
        Assert.DoesNotContain(result.RescanFindings, f => targets.Contains(f.SecretHash));

        // An independent re-scan of the cleaned copy: the selected secrets are gone, the other one is not.
        var rescan = await new SecretScanner().ScanHistoryAsync(result.CleanedRepositoryPath).ToListAsync();
        Assert.DoesNotContain(rescan, f => targets.Contains(f.SecretHash));
        Assert.Contains(rescan, f => f.SecretHash == SecretHasher.Hash(keptSecret));

        // Same refs, same commits in the same shape with the same authors, dates and messages.
        string Shape(string path) => TempGitRepo.RunGit(path, "log", "--all", "--topo-order", "--format=%an|%ae|%ad|%cn|%ce|%cd|%s|%p", "--date=raw")
            .Split('\n').Select(l => l.Split('|')).Select(p => p.Length < 8 ? "" : string.Join('|', p[..7]) + "|" + p[7].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)
            .Aggregate("", (a, b) => a + b + "\n");
        Assert.Equal(Shape(repo.Path), Shape(result.CleanedRepositoryPath));
        Assert.Equal(TempGitRepo.RunGit(repo.Path, "for-each-ref", "--format=%(refname) %(objecttype)"),
            TempGitRepo.RunGit(result.CleanedRepositoryPath, "for-each-ref", "--format=%(refname) %(objecttype)"));
        Assert.Equal("refs/heads/main", TempGitRepo.RunGit(result.CleanedRepositoryPath, "symbolic-ref", "HEAD").Trim());

        // Files without secrets are byte-identical; the secret's file only differs where the secret was.
        Assert.Equal(TempGitRepo.RunGit(repo.Path, "rev-parse", "main:src/app.py"), TempGitRepo.RunGit(result.CleanedRepositoryPath, "rev-parse", "main:src/app.py"));
        Assert.Equal(TempGitRepo.RunGit(repo.Path, "ls-tree", "-r", "--name-only", "main"), TempGitRepo.RunGit(result.CleanedRepositoryPath, "ls-tree", "-r", "--name-only", "main"));
        Assert.Equal($"GITHUB_TOKEN = \"***REMOVED***\"\nNPM = \"{keptSecret}\"\nDEBUG = False\n",
            TempGitRepo.RunGit(result.CleanedRepositoryPath, "show", "main:src/settings.py"));
        Assert.Equal("STRIPE_KEY=***REMOVED***\n", TempGitRepo.RunGit(result.CleanedRepositoryPath, "show", "feature/payments~1:pay/stripe.env"));

        // The bundle is a valid, complete copy.
        TempGitRepo.RunGit(result.CleanedRepositoryPath, "bundle", "verify", result.BundlePath);
        var clone = Path.Combine(output.Path, "from-bundle");
        TempGitRepo.RunGit(output.Path, "clone", "--quiet", "--mirror", result.BundlePath, clone);
        Assert.Equal(TempGitRepo.RunGit(result.CleanedRepositoryPath, "rev-parse", "main", "feature/payments", "v1.0"),
            TempGitRepo.RunGit(clone, "rev-parse", "main", "feature/payments", "v1.0"));
        Assert.Contains(result.PushCommands, c => c.Contains("push --force"));
    }

    [Fact]
    public async Task CleanAsync_SecretInCommitMessageToo_ReplacedThere()
    {
        using var repo = new TempGitRepo();
        using var output = new TempFolder();
        var secret = "gh" + "p_" + _fake.Alnum(36);
        repo.Write("a.txt", $"t={secret}\n");
        repo.Commit($"oops, added {secret}");

        var result = await new HistoryCleaner(new SecretScanner()).CleanAsync(new CleaningRequest(repo.Path, [SecretHasher.Hash(secret)], output.Path));

        Assert.True(result.Verified);
        Assert.Equal("oops, added ***REMOVED***", TempGitRepo.RunGit(result.CleanedRepositoryPath, "log", "-1", "--format=%s").Trim());
    }

    [Fact]
    public async Task CleanAsync_UnknownHash_ReportedAsNotFound()
    {
        using var repo = new TempGitRepo();
        using var output = new TempFolder();
        repo.Write("a.txt", "nothing here\n");
        repo.Commit("clean");
        var hash = SecretHasher.Hash("never committed");

        var result = await new HistoryCleaner(new SecretScanner()).CleanAsync(new CleaningRequest(repo.Path, [hash], output.Path));

        Assert.Equal([hash], result.HashesNotFound);
        Assert.Equal(0, result.OccurrencesReplaced);
        Assert.True(result.Verified);
    }

    [Fact]
    public async Task CleanAsync_InvalidHash_ArgumentException()
    {
        using var output = new TempFolder();

        await Assert.ThrowsAsync<ArgumentException>(() =>
            new HistoryCleaner(new SecretScanner()).CleanAsync(new CleaningRequest(output.Path, ["not-a-hash"], output.Path)));
    }

    [Fact]
    public async Task CleanAsync_OutputAlreadyExists_RefusesToOverwrite()
    {
        using var repo = new TempGitRepo();
        using var output = new TempFolder();
        repo.Write("a.txt", "x\n");
        repo.Commit("x");
        Directory.CreateDirectory(Path.Combine(output.Path, Path.GetFileName(repo.Path) + "-cleaned.git"));

        await Assert.ThrowsAsync<IOException>(() =>
            new HistoryCleaner(new SecretScanner()).CleanAsync(new CleaningRequest(repo.Path, [SecretHasher.Hash("x")], output.Path)));
    }
}
