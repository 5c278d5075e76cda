using System.Diagnostics;
using System.Text;

namespace DeployGuard.Scanning.Git;

/// <summary>A git command failed; the message carries git's own error output.</summary>
public sealed class GitException(string message, string? errorOutput = null) : Exception(message)
{
    /// <summary>What git wrote to stderr (bounded), for callers that word their own message.</summary>
    public string ErrorOutput { get; } = errorOutput ?? "";
}

/// <summary>
/// Runs the git CLI. Arguments go through ArgumentList, never a shell. Public for the web app (clones, the demo
/// repository) and the CLI; the scanner's own use is the rest of this assembly.
/// </summary>
public sealed class GitProcess : IAsyncDisposable
{
    private const int MaxErrorChars = 16 * 1024;

    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly string _description;

    private GitProcess(Process process, string description)
    {
        _process = process;
        _description = description;
        _stderr = ReadBoundedAsync(process.StandardError);
    }

    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    public Stream StandardInput => _process.StandardInput.BaseStream;

    /// <param name="environment">Extra variables for git only (e.g. GIT_CONFIG_* with a credential), never on its command line.</param>
    public static GitProcess Start(string repository, IEnumerable<string> arguments, bool redirectInput = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("-C");
        info.ArgumentList.Add(repository);
        // Paths in output verbatim (UTF-8), never an interactive prompt for credentials.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("core.quotePath=false");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        info.Environment["LC_ALL"] = "C";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var description = "git " + string.Join(' ', info.ArgumentList.Skip(4));
        try
        {
            return new GitProcess(Process.Start(info) ?? throw new GitException($"{description}: could not start git."), description);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitException($"{description}: could not start git ({e.Message}). Is git installed and on PATH?");
        }
    }

    /// <summary>Runs a command to completion and returns its standard output; throws on a non-zero exit.</summary>
    public static Task<string> RunAsync(string repository, IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        RunAsync(repository, arguments, null, cancellationToken);

    /// <inheritdoc cref="RunAsync(string, IEnumerable{string}, CancellationToken)"/>
    public static async Task<string> RunAsync(string repository, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment,
        CancellationToken cancellationToken = default)
    {
        await using var git = Start(repository, arguments, environment: environment);
        var output = await git._process.StandardOutput.ReadToEndAsync(cancellationToken);
        await git.WaitForSuccessAsync(cancellationToken);
        return output;
    }

    public static Task<string> RunAsync(string repository, params string[] arguments) => RunAsync(repository, (IEnumerable<string>)arguments);

    /// <summary>Waits for exit; throws <see cref="GitException"/> with git's message on failure.</summary>
    public async Task WaitForSuccessAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken);
        var error = await _stderr;
        if (_process.ExitCode != 0)
        {
            throw new GitException($"{_description} failed (exit {_process.ExitCode}): {error.Trim()}", error.Trim());
        }
    }

    /// <summary>Kills git if it still runs, which ends any read or write blocked on its pipes.</summary>
    public void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        try
        {
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already disposed.
        }

        _process.Dispose();
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var builder = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            if (builder.Length < MaxErrorChars)
            {
                builder.Append(buffer, 0, Math.Min(read, MaxErrorChars - builder.Length));
            }
        }

        return builder.ToString();
    }
}
