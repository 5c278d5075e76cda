using DeployGuard.Data.Postgres;

namespace DeployGuard.Web;

/// <summary>
/// The app's own folders: the data folder (<c>DataDirectory</c>; default: the folder that holds the embedded cluster's,
/// e.g. <c>~/.local/share/deployguard</c>, <c>/var/lib/deployguard</c> as root) and its private <c>keys</c> folder, where
/// the keys that must never be in the database live (audit signing key, Data Protection certificate, secret-hash key).
/// </summary>
internal sealed class AppDirectories(IConfiguration configuration)
{
    public string DataRoot => configuration["DataDirectory"] is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.GetDirectoryName(EmbeddedOptions().ResolveDataDirectory().TrimEnd(Path.DirectorySeparatorChar))!;

    public string KeysDirectory => configuration["Keys:Directory"] is { Length: > 0 } configured ? Path.GetFullPath(configured) : Path.Combine(DataRoot, "keys");

    /// <summary>The embedded cluster's folder (password files, socket, data) when no database is configured.</summary>
    public string? EmbeddedClusterDirectory => DatabaseConnection.FromConfiguration(configuration) is null ? EmbeddedOptions().ResolveDataDirectory() : null;

    /// <summary>Creates <paramref name="directory"/> (and missing parents) readable by this OS user only (0700).</summary>
    /// <exception cref="AppDirectoryException">The folder cannot be created or made private (a setting points somewhere unusable).</exception>
    public static string EnsurePrivate(string directory)
    {
        try
        {
            return CreatePrivate(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AppDirectoryException(directory, e);
        }
    }

    private static string CreatePrivate(string directory)
    {
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return directory;
    }

    /// <summary>Writes a new file readable and writable by this OS user only (0600); fails if it exists.</summary>
    public static void WritePrivateFile(string path, ReadOnlySpan<byte> content)
    {
        EnsurePrivate(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(content);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new AppDirectoryException(Path.GetDirectoryName(Path.GetFullPath(path))!, e);
        }
    }

    private EmbeddedDatabaseOptions EmbeddedOptions() =>
        configuration.GetSection(EmbeddedDatabaseOptions.Section).Get<EmbeddedDatabaseOptions>() ?? new EmbeddedDatabaseOptions();
}

/// <summary>
/// One of the app's folders cannot be used: start-up stops with one line naming it and the settings that place it
/// (<see cref="SettingsCheck"/>), not a stack trace. An <see cref="IOException"/>, so that workers which write there later
/// (the audit checkpointer) keep logging it and trying again as they did before.
/// </summary>
internal sealed class AppDirectoryException(string directory, Exception inner)
    : IOException($"the folder {directory} cannot be created or used by this user ({inner.Message}). The data folder is DataDirectory, " +
        "the keys folder Keys:Directory, the audit checkpoints Audit:CheckpointDirectory: point them at a folder this user may write.", inner);
