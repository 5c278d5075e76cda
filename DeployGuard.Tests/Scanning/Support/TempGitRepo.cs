using System.Diagnostics;
using System.Globalization;

namespace DeployGuard.Tests.Scanning.Support;

/// <summary>A real git repository in a temporary folder, with its own identity (no global config touched).</summary>
public sealed class TempGitRepo : IDisposable
{
    private int _tick;

    public TempGitRepo(string? initialBranch = "main")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dg-repo-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
        Git("init", "--quiet", "-b", initialBranch ?? "main");
        Git("config", "user.name", "Test Author");
        Git("config", "user.email", "author@example.test");
        Git("config", "commit.gpgsign", "false");
    }

    public string Path { get; }

    public void Write(string relativePath, string content)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public void Delete(string relativePath) => File.Delete(System.IO.Path.Combine(Path, relativePath));

    /// <summary>Commits everything with a distinct, increasing date; returns the new commit's sha.</summary>
    public string Commit(string message, string author = "Test Author", string email = "author@example.test")
    {
        Git("add", "-A");
        var date = new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero).AddHours(++_tick).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);
        Run(["commit", "--quiet", "--allow-empty", "-m", message], new()
        {
            ["GIT_AUTHOR_NAME"] = author,
            ["GIT_AUTHOR_EMAIL"] = email,
            ["GIT_AUTHOR_DATE"] = date,
            ["GIT_COMMITTER_DATE"] = date,
        });
        return Git("rev-parse", "HEAD").Trim();
    }

    public string Git(params string[] arguments) => Run(arguments, []);

    public static string RunGit(string workingDirectory, params string[] arguments) => Run(workingDirectory, arguments, []);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private string Run(string[] arguments, Dictionary<string, string> environment) => Run(Path, arguments, environment);

    private static string Run(string workingDirectory, string[] arguments, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {stderr.Result}");
        }

        return stdout;
    }
}

/// <summary>A temporary folder removed after the test.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dg-dir-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string relativePath, string content)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them later).</summary>
public sealed class RecordingProgress<T> : IProgress<T>
{
    private readonly List<T> _reports = [];

    public IReadOnlyList<T> Reports
    {
        get
        {
            lock (_reports)
            {
                return _reports.ToList();
            }
        }
    }

    public void Report(T value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }
    }
}
