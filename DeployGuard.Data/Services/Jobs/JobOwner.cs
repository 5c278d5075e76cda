namespace DeployGuard.Data.Services.Jobs;

/// <summary>
/// Worker ids: "host/pid/random". The host and pid let an instance restarted on the same host see at once that the
/// process holding a claim is gone, instead of waiting out the stale period.
/// </summary>
public static class JobOwner
{
    public static string NewId() => $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Whether the id names a process on this host (other than this one) that no longer exists.</summary>
    public static bool IsDeadOnThisHost(string owner)
    {
        var parts = owner.Split('/');
        return parts.Length == 3 && parts[0] == Environment.MachineName && int.TryParse(parts[1], out var pid) && pid > 1 &&
               pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}");
    }
}
