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
        var environment = new Dictionary<string, string> { ["GIT_ASKPASS"] = "true" };
        if (!string.IsNullOrEmpty(accessToken))
        {
            var user = platform switch { SourcePlatform.GitLab => "oauth2", SourcePlatform.Bitbucket => "x-token-auth", _ => "x-access-token" };
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{accessToken}"));
            environment["GIT_CONFIG_COUNT"] = "1";
            environment["GIT_CONFIG_KEY_0"] = "http.extraHeader";
            environment["GIT_CONFIG_VALUE_0"] = $"Authorization: Basic {basic}";
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
