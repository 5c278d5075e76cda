using DeployGuard.Scanning;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning.Detection;

public sealed class DirectoryScanTests
{
    private readonly FakeSecrets _fake = new(17);

    private string Token() => "np" + "m_" + _fake.Alnum(36);

    [Fact]
    public async Task ScanDirectoryAsync_Tree_FindsSecretsWithRelativePathsAndPositions()
    {
        using var folder = new TempFolder();
        folder.Write("src/app.js", $"const a = 1;\nconst npmToken = '{Token()}';\n");
        folder.Write("src/clean.js", "console.log('hello');\n");
        folder.Write("config/.npmrc", $"//registry.npmjs.org/:_authToken={Token()}\n");

        var findings = await new SecretScanner().ScanDirectoryAsync(folder.Path).ToListAsync();

        Assert.Equal(["config/.npmrc", "src/app.js"], findings.Select(f => f.FilePath).Order().ToArray());
        var app = findings.Single(f => f.FilePath == "src/app.js");
        Assert.Equal((2, 19), (app.Line, app.Column));
        Assert.Equal(app.Column + 40, app.EndColumn);
        Assert.Null(app.Commit);
    }

    [Fact]
    public async Task ScanDirectoryAsync_VendoredBinaryAndLargeFiles_Skipped()
    {
        using var folder = new TempFolder();
        folder.Write("node_modules/pkg/index.js", Token());
        folder.Write("vendor/lib.rb", Token());
        folder.Write(".git/config", Token());
        folder.Write("assets/logo.png", Token());
        File.WriteAllBytes(Path.Combine(folder.Path, "data.bin2"), [.. System.Text.Encoding.UTF8.GetBytes(Token()), 0, 1, 2]);
        folder.Write("big.txt", Token() + new string('x', 2000));
        folder.Write("kept.txt", Token());

        var scanner = new SecretScanner(options: new ScanOptions { MaxFileSizeBytes = 1000 });
        var progress = new RecordingProgress<ScanProgress>();
        var findings = await scanner.ScanDirectoryAsync(folder.Path, progress).ToListAsync();

        Assert.Equal("kept.txt", Assert.Single(findings).FilePath);
        var last = progress.Reports[^1];
        Assert.Equal(ScanPhase.Completed, last.Phase);
        Assert.Equal(2, last.FilesTotal);
        Assert.Equal(2, last.FilesDone);
        Assert.Equal(1, last.FindingsFound);
        Assert.Equal(1.0, last.Fraction);
    }

    [Fact]
    public async Task ScanDirectoryAsync_Utf16File_Scanned()
    {
        using var folder = new TempFolder();
        var token = Token();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "win.config"), $"key={token}\r\n", System.Text.Encoding.Unicode);

        var finding = Assert.Single(await new SecretScanner().ScanDirectoryAsync(folder.Path).ToListAsync());

        Assert.Equal(SecretHasher.Hash(token), finding.SecretHash);
    }

    [Fact]
    public async Task ScanDirectoryAsync_ManyFiles_ProgressCountsEveryFile()
    {
        using var folder = new TempFolder();
        for (var i = 0; i < 60; i++)
        {
            folder.Write($"d{i % 5}/f{i}.txt", i % 10 == 0 ? $"t = {Token()}" : $"line {i}");
        }

        var progress = new RecordingProgress<ScanProgress>();
        var findings = await new SecretScanner(options: new ScanOptions { MaxDegreeOfParallelism = 2 })
            .ScanDirectoryAsync(folder.Path, progress).ToListAsync();

        Assert.Equal(6, findings.Count);
        Assert.Equal(60, progress.Reports[^1].FilesDone);
        Assert.Equal(60, progress.Reports[0].FilesTotal);
        Assert.True(progress.Reports.Select(r => r.FilesDone).SequenceEqual(progress.Reports.Select(r => r.FilesDone).Order()));
    }

    [Fact]
    public async Task ScanDirectoryAsync_SingleFile_Scanned()
    {
        using var folder = new TempFolder();
        var file = folder.Write("one.env", $"NPM_TOKEN={Token()}");

        var finding = Assert.Single(await new SecretScanner().ScanDirectoryAsync(file).ToListAsync());

        Assert.Equal("one.env", finding.FilePath);
    }

    [Fact]
    public async Task ScanDirectoryAsync_MissingFolder_Throws()
    {
        await Assert.ThrowsAsync<DirectoryNotFoundException>(async () =>
            await new SecretScanner().ScanDirectoryAsync("/nonexistent/" + Guid.NewGuid()).ToListAsync());
    }

    [Fact]
    public async Task ScanDirectoryAsync_MinifiedFile_LiteralRulesOnly()
    {
        using var folder = new TempFolder();
        var token = Token();
        var password = _fake.Password(16);
        // A bundle: kilobytes of code on one line, with a prefixed token and a generic password assignment.
        var code = string.Concat(Enumerable.Range(0, 200).Select(i => $"function f{i}(a,b){{return a+b*{i}}};"));
        folder.Write("dist/app.min.js", $"{code}var t=\"{token}\";var cfg={{password:\"{password}\"}};{code}");
        folder.Write("src/app.js", $"var t = \"{token}\";\nvar cfg = {{ password: \"{password}\" }};\n");

        var findings = await new SecretScanner().ScanDirectoryAsync(folder.Path).ToListAsync();

        Assert.Equal(["npm-access-token"], findings.Where(f => f.FilePath == "dist/app.min.js").Select(f => f.RuleId).ToArray());
        Assert.Equal(["generic-password", "npm-access-token"], findings.Where(f => f.FilePath == "src/app.js").Select(f => f.RuleId).Order().ToArray());
    }

    [Fact]
    public async Task ScanDirectoryAsync_NulInFirstBlockAfterText_SkippedAsBinary()
    {
        using var folder = new TempFolder();
        var text = System.Text.Encoding.UTF8.GetBytes($"NPM_TOKEN={Token()}\n");
        File.WriteAllBytes(Path.Combine(folder.Path, "mixed.dat"), [.. text, 0, .. text]);
        // A NUL past the first 8000 bytes does not make a file binary (git's rule).
        File.WriteAllBytes(Path.Combine(folder.Path, "late-nul.txt"), [.. text, .. new byte[9000].Select(_ => (byte)' '), 0]);

        var findings = await new SecretScanner().ScanDirectoryAsync(folder.Path).ToListAsync();

        Assert.Equal("late-nul.txt", Assert.Single(findings).FilePath);
    }

    [Fact]
    public async Task ScanDirectoryAsync_LargeAndSmallFiles_EveryFileScannedOnce()
    {
        using var folder = new TempFolder();
        var tokens = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            var token = Token();
            tokens.Add(token);
            folder.Write($"d{i % 7}/small{i}.txt", $"line {i}\nt = {token}\n");
        }

        // Over the large-file threshold (taken before the small files queued earlier), with a token at either end.
        var (first, last) = (Token(), Token());
        tokens.AddRange([first, last]);
        folder.Write("big/large.txt", $"t = {first}\n{string.Concat(Enumerable.Repeat("const x = 1;\n", 30_000))}t = {last}\n");

        var progress = new RecordingProgress<ScanProgress>();
        var findings = await new SecretScanner(options: new ScanOptions { MaxDegreeOfParallelism = 3 })
            .ScanDirectoryAsync(folder.Path, progress).ToListAsync();

        Assert.Equal(tokens.Select(SecretHasher.Hash).Order(), findings.Select(f => f.SecretHash).Order());
        Assert.Equal(2, findings.Count(f => f.FilePath == "big/large.txt"));
        Assert.Equal(30_002, findings.Where(f => f.FilePath == "big/large.txt").Max(f => f.Line));
        Assert.All(progress.Reports, r => Assert.Equal(201, r.FilesTotal));
        Assert.Equal(201, progress.Reports[^1].FilesDone);
    }

    [Fact]
    public async Task ScanDirectoryAsync_ConsumerStopsEarly_ScanEnds()
    {
        using var folder = new TempFolder();
        for (var i = 0; i < 1200; i++)
        {
            folder.Write($"d{i % 10}/f{i}.env", $"NPM_TOKEN={Token()}\n");
        }

        // The output channel holds 1,024 findings: the workers block on it until the consumer stops and cancels them.
        var taken = await new SecretScanner(options: new ScanOptions { MaxDegreeOfParallelism = 2 })
            .ScanDirectoryAsync(folder.Path).Take(5).ToListAsync();

        Assert.Equal(5, taken.Count);
    }

    [Fact]
    public async Task ScanDirectoryAsync_Cancelled_Throws()
    {
        using var folder = new TempFolder();
        folder.Write("a.env", $"NPM_TOKEN={Token()}\n");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await new SecretScanner().ScanDirectoryAsync(folder.Path, cancellationToken: cts.Token).ToListAsync());
    }
}
