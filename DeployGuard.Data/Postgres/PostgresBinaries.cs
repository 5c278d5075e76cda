using System.Diagnostics;

namespace DeployGuard.Data.Postgres;

/// <summary>Finds the PostgreSQL server programs (initdb, pg_ctl, postgres) on this machine.</summary>
public static class PostgresBinaries
{
    /// <summary>The folder holding initdb and pg_ctl, or null when none is installed.</summary>
    public static string? Find(string? configured = null) =>
        Find(configured, Environment.GetEnvironmentVariable("PATH"), DebianRoot, PgConfigBinDir);

    /// <summary>The search itself, with the machine's places passed in (so tests can point it at empty folders).</summary>
    internal static string? Find(string? configured, string? path, string debianRoot, Func<string?> pgConfigBinDir)
    {
        foreach (var candidate in Candidates(configured, path, debianRoot, pgConfigBinDir))
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")))
            {
                return candidate;
            }
        }

        return null;
    }

    private const string DebianRoot = "/usr/lib/postgresql";

    private static IEnumerable<string> Candidates(string? configured, string? path, string debianRoot, Func<string?> pgConfigBinDir)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            yield return configured;
        }

        foreach (var dir in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return dir;
        }

        // Debian/Ubuntu keep the server out of PATH; prefer the newest major version.
        if (Directory.Exists(debianRoot))
        {
            var versions = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .OrderByDescending(x => x.Version);
            foreach (var (dir, _) in versions)
            {
                yield return Path.Combine(dir, "bin");
            }
        }

        var fromPgConfig = pgConfigBinDir();
        if (fromPgConfig is not null)
        {
            yield return fromPgConfig;
        }
    }

    private static string? PgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed.
        }
    }
}
