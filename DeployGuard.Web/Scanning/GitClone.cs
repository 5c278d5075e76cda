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

        // No credential helper or prompt: a private repository without a token fails instead of waiting for input.
        var environment = new Dictionary<string, string> { ["GIT_ASKPASS"] = "true", ["GIT_CONFIG_NOSYSTEM"] = "1" };
        // The URL is untrusted: only the transports a repository host uses (git's own ext:: and fd:: transports run commands),
        // a local path only for a local source; no hooks. A bare or mirror clone checks nothing out, so no filter, hook or
        // submodule of the repository ever runs (docs/security.md, "Stage isolation": why clones are not sandboxed).
        var config = new List<(string Key, string Value)>
        {
            ("protocol.allow", "never"), ("protocol.https.allow", "always"), ("protocol.http.allow", "always"), ("protocol.ssh.allow", "always"),
            ("protocol.git.allow", "always"), ("protocol.ext.allow", "never"), ("protocol.fd.allow", "never"),
            ("protocol.file.allow", platform == SourcePlatform.Local ? "always" : "never"), ("core.hooksPath", "/dev/null"),
        };

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

        // git -C needs an existing folder; clone creates the destination itself.
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        try
        {
            await GitProcess.RunAsync(parent, args, environment, ct);
        }
        catch (GitException e)
        {
            // Only git's own words: the command line would show our work folder.
            var message = e.ErrorOutput.Length > 0 ? e.ErrorOutput : e.Message;
            if (!string.IsNullOrEmpty(accessToken))
            {
                message = message.Replace(accessToken, "***", StringComparison.Ordinal);
            }

            throw new InvalidOperationException($"git clone failed: {(message.Length > MaxMessageChars ? message[..MaxMessageChars] : message)}");
        }
    }
}
