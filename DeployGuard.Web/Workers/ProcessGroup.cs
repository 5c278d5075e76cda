using System.Runtime.InteropServices;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Signals to whole process groups. Commands start under <c>setsid</c>, so the shell leads a new group whose id is its
/// pid, and everything it spawns (pipes, background jobs, grandchildren) can be killed with one kill(-pgid).
/// </summary>
internal static class ProcessGroup
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc", SetLastError = true)]
    private static extern int getpgid(int pid);

    /// <summary>Our own group: never signalled, whatever a caller passes (it would take the app down with the command).</summary>
    private static readonly int OwnGroup = getpgid(0);

    private static bool Signal(int groupId, int signal) => groupId > 1 && groupId != OwnGroup && kill(-groupId, signal) == 0;

    public static bool Terminate(int groupId) => Signal(groupId, SigTerm);

    public static bool Kill(int groupId) => Signal(groupId, SigKill);

    /// <summary>Whether any process of the group is still alive (signal 0 checks without sending anything).</summary>
    public static bool Exists(int groupId) => Signal(groupId, 0);

    /// <summary>TERM, a grace period for cleanup, then KILL for whatever is left.</summary>
    public static async Task StopAsync(int groupId, TimeSpan grace)
    {
        if (!Terminate(groupId))
        {
            return;
        }

        var deadline = DateTime.UtcNow + grace;
        while (Exists(groupId) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Kill(groupId);
    }

    public static bool ProcessAlive(int pid) => pid > 1 && Directory.Exists($"/proc/{pid}");
}
