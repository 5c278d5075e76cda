namespace DeployGuard.Tests.Infrastructure;

/// <summary>Processes of this machine found by their command line (isolated commands have their own pid namespace).</summary>
public static class HostProcesses
{
    /// <summary>Live (not zombie) processes with <paramref name="argument"/> as one of their arguments.</summary>
    public static List<int> WithArgument(string argument)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (arguments.Contains(argument) && stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z')
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return found;
    }
}
