using DeployGuard.Scanning;
using DeployGuard.Scanning.Git;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning.Git;

public sealed class HistoryScanTests
{
    private readonly FakeSecrets _fake = new(23);

    private string Token() => "gh" + "p_" + _fake.Alnum(36);

    [Fact]
    public async Task ScanHistoryAsync_SecretAddedThenDeleted_FoundWithTheIntroducingCommit()
    {
        using var repo = new TempGitRepo();
        var token = Token();
        repo.Write("README.md", "# app\n");
        repo.Commit("initial");
        repo.Write("src/config.py", $"DEBUG = True\nGITHUB_TOKEN = \"{token}\"\n");
        var introducing = repo.Commit("add config", "Alice Example", "alice@example.test");
        repo.Delete("src/config.py");
        repo.Commit("remove config");

        var current = await new SecretScanner().ScanDirectoryAsync(repo.Path).ToListAsync();
        var findings = await new SecretScanner().ScanHistoryAsync(repo.Path).ToListAsync();

        Assert.Empty(current);
        var finding = Assert.Single(findings);
        Assert.Equal(introducing, finding.Commit!.Sha);
        Assert.Equal(("Alice Example", "alice@example.test", "add config"), (finding.Commit.AuthorName, finding.Commit.AuthorEmail, finding.Commit.Subject));
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 14, 0, 0, TimeSpan.Zero), finding.Commit.Date);
        Assert.Equal(("src/config.py", 2, 17), (finding.FilePath, finding.Line, finding.Column));
        Assert.Equal(SecretHasher.Hash(token), finding.SecretHash);
    }

    [Fact]
    public async Task ScanHistoryAsync_SecretKeptAcrossLaterEditsAndRename_ReportedOnce()
    {
        using var repo = new TempGitRepo();
        repo.Write("app.env", $"A=1\nTOKEN={Token()}\n");
        var first = repo.Commit("add env");
        repo.Write("app.env", $"A=2\n{File.ReadAllText(Path.Combine(repo.Path, "app.env")).Split('\n')[1]}\nB=3\n");
        repo.Commit("edit env");
        repo.Git("mv", "app.env", "prod.env");
        repo.Commit("rename env");

        var findings = await new SecretScanner().ScanHistoryAsync(repo.Path).ToListAsync();

        Assert.Equal(first, Assert.Single(findings).Commit!.Sha);
    }

    [Fact]
    public async Task ScanHistoryAsync_EveryBranchAndTag_Scanned()
    {
        using var repo = new TempGitRepo();
        repo.Write("a.txt", "hello\n");
        repo.Commit("base");
        repo.Git("checkout", "--quiet", "-b", "feature/x");
        repo.Write("feature.txt", $"t={Token()}\n");
        var onFeature = repo.Commit("feature secret");
        repo.Git("checkout", "--quiet", "main");
        repo.Git("checkout", "--quiet", "--detach");
        repo.Write("tagged.txt", $"t={Token()}\n");
        var tagged = repo.Commit("tagged secret");
        repo.Git("tag", "v1", tagged);
        repo.Git("checkout", "--quiet", "main");

        var findings = await new SecretScanner().ScanHistoryAsync(repo.Path).ToListAsync();

        Assert.Equal(new[] { onFeature, tagged }.Order(), findings.Select(f => f.Commit!.Sha).Order());
    }

    [Fact]
    public async Task ScanHistoryAsync_SecretIntroducedByMergeResolution_AttributedToMerge()
    {
        using var repo = new TempGitRepo();
        repo.Write("conf.txt", "value = 1\n");
        repo.Commit("base");
        repo.Git("checkout", "--quiet", "-b", "other");
        repo.Write("conf.txt", "value = 2\n");
        repo.Commit("other change");
        repo.Git("checkout", "--quiet", "main");
        repo.Write("conf.txt", "value = 3\n");
        repo.Commit("main change");
        try
        {
            repo.Git("merge", "--quiet", "other");
        }
        catch (InvalidOperationException)
        {
            // Expected conflict: resolve it with content neither side had.
        }

        var token = Token();
        repo.Write("conf.txt", $"value = 4\ntoken = {token}\n");
        var merge = repo.Commit("merge other");

        var finding = Assert.Single(await new SecretScanner().ScanHistoryAsync(repo.Path).ToListAsync());

        Assert.Equal(merge, finding.Commit!.Sha);
        Assert.Equal(2, finding.Line);
    }

    [Fact]
    public async Task ScanHistoryAsync_Progress_CountsAllCommits()
    {
        using var repo = new TempGitRepo();
        for (var i = 0; i < 12; i++)
        {
            repo.Write($"f{i % 3}.txt", $"revision {i}\n" + (i == 5 ? $"k={Token()}\n" : ""));
            repo.Commit($"c{i}");
        }

        var progress = new RecordingProgress<ScanProgress>();
        var findings = await new SecretScanner().ScanHistoryAsync(repo.Path, progress).ToListAsync();

        Assert.Single(findings);
        var first = progress.Reports[0];
        var last = progress.Reports[^1];
        Assert.Equal(12, first.CommitsTotal);
        Assert.Equal(ScanPhase.Completed, last.Phase);
        Assert.Equal((12, 12), (last.CommitsDone, last.CommitsTotal));
        Assert.Equal(last.FilesTotal, last.FilesDone);
        Assert.Equal(12, last.FilesTotal);
        Assert.Equal(1, last.FindingsFound);
    }

    [Fact]
    public async Task ScanHistoryAsync_BareMirror_Scanned()
    {
        using var repo = new TempGitRepo();
        repo.Write("a.txt", $"t={Token()}\n");
        var sha = repo.Commit("secret");
        using var folder = new TempFolder();
        var mirror = Path.Combine(folder.Path, "mirror.git");
        TempGitRepo.RunGit(folder.Path, "clone", "--quiet", "--mirror", repo.Path, mirror);

        var finding = Assert.Single(await new SecretScanner().ScanHistoryAsync(mirror).ToListAsync());

        Assert.Equal(sha, finding.Commit!.Sha);
    }

    [Fact]
    public async Task ScanHistoryAsync_EmptyRepository_NoFindings()
    {
        using var repo = new TempGitRepo();

        Assert.Empty(await new SecretScanner().ScanHistoryAsync(repo.Path).ToListAsync());
    }

    [Fact]
    public async Task ScanHistoryAsync_NotARepository_GitExceptionWithClearMessage()
    {
        using var folder = new TempFolder();

        var error = await Assert.ThrowsAsync<GitException>(async () => await new SecretScanner().ScanHistoryAsync(folder.Path).ToListAsync());

        Assert.Contains("not a git repository", error.Message);
    }

    [Fact]
    public async Task ScanHistoryAsync_ConsumerStopsEarly_ReturnsWithoutHanging()
    {
        using var repo = new TempGitRepo();
        for (var i = 0; i < 20; i++)
        {
            repo.Write($"f{i}.txt", $"t={Token()}\n");
            repo.Commit($"c{i}");
        }

        // Stopping early used to hang now and then (a commit waited for a blob that the stopped readers never
        // delivered), so it is tried many times, each under a deadline, to fail instead of hanging the run.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await StopAfterFirstFindingAsync(repo.Path).WaitAsync(TimeSpan.FromSeconds(30));
        }

        static async Task StopAfterFirstFindingAsync(string path)
        {
            await foreach (var _ in new SecretScanner().ScanHistoryAsync(path))
            {
                break;
            }
        }
    }

    [Fact]
    public async Task ScanHistoryAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var repo = new TempGitRepo();
        for (var i = 0; i < 20; i++)
        {
            repo.Write($"f{i}.txt", $"t={Token()}\n");
            repo.Commit($"c{i}");
        }

        using var cts = new CancellationTokenSource();
        var scan = Task.Run(async () =>
        {
            await foreach (var _ in new SecretScanner().ScanHistoryAsync(repo.Path, cancellationToken: cts.Token))
            {
                await cts.CancelAsync();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scan.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task ScanHistoryAsync_PathsWithSpacesAndUnicode_Reported()
    {
        using var repo = new TempGitRepo();
        repo.Write("dir with space/naïve \"quoted\".txt", $"t={Token()}\n");
        repo.Commit("odd path");

        var finding = Assert.Single(await new SecretScanner().ScanHistoryAsync(repo.Path).ToListAsync());

        Assert.Equal("dir with space/naïve \"quoted\".txt", finding.FilePath);
    }

    [Theory]
    [InlineData(":100644 100644 aaaa bbbb M\tsrc/a.txt", "src/a.txt", "bbbb", 1)]
    [InlineData(":000000 100644 0000 bbbb A\tnew.txt", "new.txt", "bbbb", 1)]
    [InlineData(":100644 100644 aaaa bbbb R087\told.txt\tnew.txt", "new.txt", "bbbb", 1)]
    [InlineData("::100644 100644 100644 aaaa cccc bbbb MM\tmerged.txt", "merged.txt", "bbbb", 2)]
    public void ParseRaw_Formats_Parsed(string line, string path, string newOid, int parents)
    {
        var change = HistoryScan.ParseRaw(line)!;

        Assert.Equal((path, newOid, parents), (change.Path, change.NewOid, change.OldOids.Length));
    }

    [Theory]
    [InlineData(":100644 000000 aaaa 0000 D\tgone.txt")]
    [InlineData(":000000 160000 0000 bbbb A\tsubmodule")]
    [InlineData(":000000 120000 0000 bbbb A\tlink")]
    public void ParseRaw_NothingToScan_Null(string line)
    {
        Assert.Null(HistoryScan.ParseRaw(line));
    }
}
