using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Data.Postgres;

/// <summary>Settings of the private cluster started when no database is configured (section <c>Database:Embedded</c>).</summary>
public sealed class EmbeddedDatabaseOptions
{
    public const string Section = "Database:Embedded";

    /// <summary>Where the cluster lives. Default: the user's data folder, or /var/lib/deployguard as root.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Folder with initdb and pg_ctl, when not found automatically.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>A plain PostgreSQL identifier: lower-case letters, digits and underscores.</summary>
    [Required, RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "{0} must be lower-case letters, digits and underscores (at most 63).")]
    public string DatabaseName { get; set; } = "deployguard";

    /// <summary>A fixed loopback port for the server; 0 (default) picks a free one on each start.</summary>
    public int Port { get; set; }

    public string ResolveDataDirectory()
    {
        if (!string.IsNullOrWhiteSpace(DataDirectory))
        {
            return Path.GetFullPath(DataDirectory);
        }

        // Root's home is private (0700), and the server runs as 'postgres' when we are root.
        if (Environment.UserName == "root")
        {
            return "/var/lib/deployguard/postgres";
        }

        var dataHome = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return Path.Combine(dataHome, "deployguard", "postgres");
    }
}
