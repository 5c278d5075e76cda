using System.Net;
using System.Net.Sockets;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Tests.Scanning.Support;
using DeployGuard.Web.Scanning;

namespace DeployGuard.Tests.Web.Scanning;

/// <summary>Clones through the scanner's git runner: real git, a real repository, a real HTTP server on loopback.</summary>
public sealed class GitCloneTests
{
    [Fact]
    public async Task CloneAsync_LocalRepositoryWithoutBranch_MirrorsEveryBranch()
    {
        using var repo = new TempGitRepo();
        repo.Write("a.txt", "one");
        var main = repo.Commit("first");
        repo.Git("checkout", "--quiet", "-b", "feature");
        repo.Write("b.txt", "two");
        var feature = repo.Commit("second");
        using var target = new TempFolder();
        var destination = Path.Combine(target.Path, "nested", "mirror.git");

        await GitClone.CloneAsync(SourcePlatform.Local, repo.Path, null, null, destination, CancellationToken.None);

        Assert.Equal(main, TempGitRepo.RunGit(destination, "rev-parse", "refs/heads/main").Trim());
        Assert.Equal(feature, TempGitRepo.RunGit(destination, "rev-parse", "refs/heads/feature").Trim());
    }

    [Fact]
    public async Task CloneAsync_OneBranch_ClonesOnlyThatBranch()
    {
        using var repo = new TempGitRepo();
        repo.Write("a.txt", "one");
        repo.Commit("first");
        repo.Git("checkout", "--quiet", "-b", "feature");
        repo.Write("b.txt", "two");
        var feature = repo.Commit("second");
        using var target = new TempFolder();
        var destination = Path.Combine(target.Path, "feature.git");

        await GitClone.CloneAsync(SourcePlatform.Local, repo.Path, "feature", null, destination, CancellationToken.None);

        var branches = TempGitRepo.RunGit(destination, "for-each-ref", "--format=%(refname)", "refs/heads").Trim();
        Assert.Equal("refs/heads/feature", branches);
        Assert.Equal(feature, TempGitRepo.RunGit(destination, "rev-parse", "refs/heads/feature").Trim());
    }

    [Fact]
    public async Task CheckoutAsync_NoCommitNorBranch_ChecksOutTheDefaultTipAndReturnsItsSha()
    {
        using var repo = new TempGitRepo();
        repo.Write("release.txt", "one");
        repo.Commit("first");
        repo.Write("release.txt", "two");
        var tip = repo.Commit("second");
        using var target = new TempFolder();

        var checkedOut = await GitClone.CheckoutAsync(SourcePlatform.Local, repo.Path, null, null, target.Path, CancellationToken.None);

        Assert.Equal(tip, checkedOut);
        Assert.Equal("two", await File.ReadAllTextAsync(Path.Combine(target.Path, "release.txt")));
    }

    [Fact]
    public async Task CheckoutAsync_FileUrlOfARemoteSource_IsRefused()
    {
        using var repo = new TempGitRepo();
        repo.Write("release.txt", "one");
        repo.Commit("first");
        using var target = new TempFolder();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            GitClone.CheckoutAsync(SourcePlatform.GitHub, $"file://{repo.Path}", null, null, target.Path, CancellationToken.None));

        Assert.StartsWith("git clone failed: ", error.Message);
        Assert.False(File.Exists(Path.Combine(target.Path, "release.txt")));
    }

    [Fact]
    public async Task CloneAsync_UnknownBranch_FailsWithGitsMessageButNotOurWorkFolder()
    {
        using var repo = new TempGitRepo();
        repo.Write("a.txt", "one");
        repo.Commit("first");
        using var target = new TempFolder();
        var destination = Path.Combine(target.Path, "x.git");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            GitClone.CloneAsync(SourcePlatform.Local, repo.Path, "no-such-branch", null, destination, CancellationToken.None));

        Assert.StartsWith("git clone failed: ", error.Message);
        Assert.Contains("no-such-branch", error.Message);
        Assert.DoesNotContain(target.Path, error.Message);
    }

    [Theory]
    [InlineData(SourcePlatform.GitHub, "x-access-token")]
    [InlineData(SourcePlatform.GitLab, "oauth2")]
    [InlineData(SourcePlatform.Bitbucket, "x-token-auth")]
    public async Task CloneAsync_WithAccessToken_SendsItAsBasicAuthorizationAndNeverInTheError(SourcePlatform platform, string user)
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        var request = AnswerOnceWithForbiddenAsync(server);
        using var target = new TempFolder();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            GitClone.CloneAsync(platform, $"http://127.0.0.1:{port}/team/app.git", null, token, Path.Combine(target.Path, "app.git"),
                CancellationToken.None));

        var headers = await request;
        var expected = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{token}"));
        Assert.Contains($"Authorization: Basic {expected}", headers);
        Assert.StartsWith("git clone failed: ", error.Message);
        Assert.Contains("403", error.Message);
        Assert.DoesNotContain(token, error.Message);
        Assert.DoesNotContain(expected, error.Message);
    }

    /// <summary>Reads the first HTTP request's headers and answers 403, as a git host refusing the token would.</summary>
    private static async Task<string> AnswerOnceWithForbiddenAsync(TcpListener server)
    {
        using var client = await server.AcceptTcpClientAsync();
        await using var stream = client.GetStream();
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        return received.ToString();
    }
}
