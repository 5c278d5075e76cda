using System.Diagnostics;
using DeployGuard.Web.Workers;

namespace DeployGuard.Web.Isolation;

/// <summary>
/// A command started by <see cref="CommandIsolation"/>: the process (stdin, stdout and stderr redirected), the process group
/// that holds everything it spawns (its id is the process id: the command starts under setsid), and its private work
/// directory. Disposing kills whatever of the group is left and removes the work directory.
/// </summary>
internal sealed class IsolatedProcess(Process process, string workDirectory, string workingDirectory, IsolationPlan plan, ILogger logger)
    : IAsyncDisposable
{
    public Process Process => process;

    /// <summary>setsid makes the command the leader of a new group whose id is its pid.</summary>
    public int ProcessGroup => process.Id;

    /// <summary>The command's fresh private directory (HOME); removed on dispose.</summary>
    public string WorkDirectory => workDirectory;

    /// <summary>Where the command runs: the work directory, a folder inside it, or an allowed absolute folder.</summary>
    public string WorkingDirectory => workingDirectory;

    public IsolationPlan Plan => plan;

    public ValueTask DisposeAsync()
    {
        if (Workers.ProcessGroup.Exists(ProcessGroup))
        {
            Workers.ProcessGroup.Kill(ProcessGroup);
        }

        process.Dispose();
        DeleteTree(workDirectory, logger);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Removes a work directory whatever the command did to it. A command running as our own user may have taken the
    /// permissions off its folders, so those are given back first, without ever following a symbolic link out of the tree.
    /// </summary>
    public static void DeleteTree(string path, ILogger logger)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
            return;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // Fall through: restore permissions and try again.
        }

        try
        {
            RestorePermissions(new DirectoryInfo(path));
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            logger.LogWarning(ex, "Could not remove the command work directory {Path}", path);
        }
    }

    private static void RestorePermissions(DirectoryInfo directory)
    {
        if (OperatingSystem.IsWindows() || directory.LinkTarget is not null)
        {
            return;
        }

        File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var child in directory.EnumerateDirectories())
        {
            RestorePermissions(child);
        }
    }
}
