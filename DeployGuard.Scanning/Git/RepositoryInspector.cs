using DeployGuard.Scanning.Contracts;

namespace DeployGuard.Scanning.Git;

/// <summary>Name, remote, branch and HEAD commit of the repository containing a path, for reports.</summary>
public static class RepositoryInspector
{
    /// <summary>Null when <paramref name="path"/> is not inside a git repository.</summary>
    public static async Task<RepositoryInfo?> TryInspectAsync(string path, CancellationToken cancellationToken = default)
    {
        var folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        try
        {
            var top = (await GitProcess.RunAsync(folder, ["rev-parse", "--show-toplevel"], cancellationToken)).Trim();
            return new RepositoryInfo(
                Name: Path.GetFileName(top),
                Url: await TryAsync(folder, ["remote", "get-url", "origin"], cancellationToken) is { } url ? WithoutCredentials(url) : null,
                Branch: await TryAsync(folder, ["symbolic-ref", "--short", "-q", "HEAD"], cancellationToken),
                Commit: await TryAsync(folder, ["rev-parse", "-q", "--verify", "HEAD"], cancellationToken));
        }
        catch (GitException)
        {
            // A bare repository (no top level) still has a name and refs.
            var bare = await TryAsync(folder, ["rev-parse", "--is-bare-repository"], cancellationToken);
            return bare == "true"
                ? new RepositoryInfo(Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/')), null, null,
                    await TryAsync(folder, ["rev-parse", "-q", "--verify", "HEAD"], cancellationToken))
                : null;
        }
    }

    /// <summary>Remote URLs may embed tokens (<c>https://user:token@host/...</c>): never report those.</summary>
    public static string WithoutCredentials(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo))
        {
            return new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString();
        }

        return url;
    }

    private static async Task<string?> TryAsync(string folder, string[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            var output = (await GitProcess.RunAsync(folder, arguments, cancellationToken)).Trim();
            return output.Length == 0 ? null : output;
        }
        catch (GitException)
        {
            return null;
        }
    }
}
