using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Scanning.Git;

namespace DeployGuard.Web.Scanning;

/// <summary>
/// Clones a repository with the scanner's git runner into a folder of ours. The access token travels in the process
/// environment (GIT_CONFIG_*), never on the command line or in the URL, so it shows up in no process list,
/// log or error message.
/// </summary>
internal static class GitClone
{
    private const int MaxMessageChars = 500;

    public static async Task CloneAsync(SourcePlatform platform, string url, string? branch, string? accessToken, string destination, CancellationToken ct)
    {
        destination = Path.GetFullPath(destination);
        string[] args = branch is null
            ? ["clone", "--mirror", "--quiet", "--", url, destination]
            : ["clone", "--bare", "--quiet", "--branch", branch, "--single-branch", "--", url, destination];

        // git -C needs an existing folder; clone creates the destination itself.
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        await RunAsync(parent, args, Environment(platform, accessToken, null), accessToken, ct);
    }

    /// <summary>
    /// A work tree of one revision of a repository for a dependency scanner to read, in <paramref name="destination"/>
    /// (an existing empty folder, possibly the runner user's): the commit when given, else the tip of
    /// <paramref name="branch"/>, else the default branch. Cloned under the same transport rules as <see cref="CloneAsync"/>;
    /// the checkout runs no hook (core.hooksPath is /dev/null), no filter the repository could name (only configured
    /// ones exist, and the system configuration is not read) and no submodule. Returns the full SHA checked out (what a
    /// scan of "the default branch" really read).
    /// </summary>
    public static async Task<string> CheckoutAsync(SourcePlatform platform, string url, string? commit, string? branch, string destination, CancellationToken ct)
    {
        destination = Path.GetFullPath(destination);
        var revision = commit is { Length: > 0 } ? commit : branch is { Length: > 0 } ? $"origin/{branch}" : "HEAD";
        if (revision.StartsWith('-'))
        {
            throw new InvalidOperationException($"'{revision}' is not a commit or branch.");
        }

        // The folder may belong to the runner user (it hands it to the scanner): git is told it is ours to use.
        var environment = Environment(platform, null, destination);
        await RunAsync(destination, ["clone", "--no-checkout", "--quiet", "--", url, destination], environment, null, ct);
        await RunAsync(destination, ["checkout", "--quiet", "--detach", revision], environment, null, ct, "git checkout");
        return (await RunAsync(destination, ["rev-parse", "--verify", "HEAD"], environment, null, ct, "git rev-parse")).Trim();
    }

    private static Dictionary<string, string> Environment(SourcePlatform platform, string? accessToken, string? safeDirectory)
    {
        // No credential helper or prompt: a private repository without a token fails instead of waiting for input.
        var environment = new Dictionary<string, string> { ["GIT_ASKPASS"] = "true", ["GIT_CONFIG_NOSYSTEM"] = "1", ["GIT_TERMINAL_PROMPT"] = "0" };
        // The URL is untrusted: only the transports a repository host uses (git's own ext:: and fd:: transports run commands),
        // a local path only for a local source; no hooks. A bare or mirror clone checks nothing out, so no filter, hook or
        // submodule of the repository ever runs (docs/security.md, "Stage isolation": why clones are not sandboxed).
        var config = new List<(string Key, string Value)>
        {
            ("protocol.allow", "never"), ("protocol.https.allow", "always"), ("protocol.http.allow", "always"), ("protocol.ssh.allow", "always"),
            ("protocol.git.allow", "always"), ("protocol.ext.allow", "never"), ("protocol.fd.allow", "never"),
            ("protocol.file.allow", platform == SourcePlatform.Local ? "always" : "never"), ("core.hooksPath", "/dev/null"),
        };

        if (safeDirectory is not null)
        {
            config.Add(("safe.directory", safeDirectory));
        }

        if (!string.IsNullOrEmpty(accessToken))
        {
            var user = platform switch { SourcePlatform.GitLab => "oauth2", SourcePlatform.Bitbucket => "x-token-auth", _ => "x-access-token" };
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{accessToken}"));
            config.Add(("http.extraHeader", $"Authorization: Basic {basic}"));
        }

        environment["GIT_CONFIG_COUNT"] = config.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < config.Count; i++)
        {
            environment[$"GIT_CONFIG_KEY_{i}"] = config[i].Key;
            environment[$"GIT_CONFIG_VALUE_{i}"] = config[i].Value;
        }

        return environment;
    }

    private static async Task<string> RunAsync(string directory, string[] args, Dictionary<string, string> environment, string? accessToken, CancellationToken ct,
        string what = "git clone")
    {
        try
        {
            return await GitProcess.RunAsync(directory, args, environment, ct);
        }
        catch (GitException e)
        {
            // Only git's own words: the command line would show our work folder.
            var message = e.ErrorOutput.Length > 0 ? e.ErrorOutput : e.Message;
            if (!string.IsNullOrEmpty(accessToken))
            {
                message = message.Replace(accessToken, "***", StringComparison.Ordinal);
            }

            throw new InvalidOperationException($"{what} failed: {(message.Length > MaxMessageChars ? message[..MaxMessageChars] : message)}");
        }
    }
}
