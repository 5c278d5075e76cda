using System.Diagnostics;
using System.Text;
using DeployGuard.Data.Entities;

namespace DeployGuard.Web.Scanning;

/// <summary>
/// Clones a repository with the git CLI into a folder of ours. The access token travels in the process
/// environment (GIT_CONFIG_*), never on the command line or in the URL, so it shows up in no process list,
/// log or error message.
/// </summary>
internal static class GitClone
{
    public static async Task CloneAsync(SourcePlatform platform, string url, string? branch, string? accessToken, string destination, CancellationToken ct)
    {
        var args = new List<string> { "clone", "--bare", "--quiet" };
        if (branch is null)
        {
            args.Insert(1, "--mirror");
            args.Remove("--bare");
        }
        else
        {
            args.AddRange(["--branch", branch, "--single-branch"]);
        }

        args.AddRange(["--", url, destination]);
        var psi = new ProcessStartInfo("git", args)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["GIT_ASKPASS"] = "true";
        if (!string.IsNullOrEmpty(accessToken))
        {
            var user = platform switch { SourcePlatform.GitLab => "oauth2", SourcePlatform.Bitbucket => "x-token-auth", _ => "x-access-token" };
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{accessToken}"));
            psi.Environment["GIT_CONFIG_COUNT"] = "1";
            psi.Environment["GIT_CONFIG_KEY_0"] = "http.extraHeader";
            psi.Environment["GIT_CONFIG_VALUE_0"] = $"Authorization: Basic {basic}";
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("git could not be started: is it installed?");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await Task.WhenAll(stderr, stdout);
        if (process.ExitCode != 0)
        {
            var message = (await stderr).Trim();
            if (!string.IsNullOrEmpty(accessToken))
            {
                message = message.Replace(accessToken, "***", StringComparison.Ordinal);
            }

            throw new InvalidOperationException($"git clone failed: {(message.Length > 500 ? message[..500] : message)}");
        }
    }
}
