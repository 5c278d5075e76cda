using DeployGuard.Data.Entities;
using DeployGuard.Tests.Scanning.Support;
using DeployGuard.Web.Scanning;

namespace DeployGuard.Tests.Web.Scanning;

/// <summary>
/// A scan's clone URL is untrusted input: git's command-running transports are off, and a remote source cannot be pointed
/// at a folder of the server (only a local source, which only admins may create, reads local paths).
/// </summary>
public sealed class GitCloneHardeningTests
{
    [Fact]
    public async Task CloneAsync_ExtTransport_IsRefusedAndRunsNothing()
    {
        using var target = new TempFolder();
        var marker = Path.Combine(target.Path, "ran");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GitClone.CloneAsync(SourcePlatform.GitHub,
            $"ext::sh -c touch% {marker}", null, null, Path.Combine(target.Path, "clone.git"), CancellationToken.None));

        Assert.StartsWith("git clone failed", error.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task CloneAsync_RemoteSourceNamingAServerFolder_IsRefused()
    {
        using var repo = new TempGitRepo();
        repo.Write("a.txt", "one");
        repo.Commit("first");
        using var target = new TempFolder();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GitClone.CloneAsync(SourcePlatform.GitHub, repo.Path, null, null,
            Path.Combine(target.Path, "clone.git"), CancellationToken.None));

        Assert.Contains("not allowed", error.Message);
    }
}
