namespace DeployGuard.Web.Isolation;

/// <summary>How commands are kept away from the app (Deployments:Runner:Isolation).</summary>
public enum IsolationMode
{
    /// <summary>The strongest that works here: as root the runner user inside bubblewrap (or that user alone); otherwise bubblewrap.</summary>
    Auto,

    /// <summary>As root only: commands run as the unprivileged runner user.</summary>
    RunnerUser,

    /// <summary>Commands run in a bubblewrap sandbox (as root: as the runner user inside it).</summary>
    Bubblewrap,

    /// <summary>Development only: commands run as the app itself and can read everything it can.</summary>
    None,
}

/// <summary>
/// A file or folder of the app that no isolated command may read: the data folder, keys, checkpoints, configuration,
/// the embedded cluster's folder (with its socket and password files). Each feature registers its own with
/// <see cref="ProtectedPathExtensions.AddProtectedPath"/>; the sandbox hides them, and its self-test checks that the
/// commands it starts cannot read them.
/// </summary>
/// <param name="Secret">
/// False for what merely should not be shown (configuration files, which hold no secrets unless an admin puts them there):
/// a command that can read it is a warning, not a reason to refuse commands.
/// </param>
internal sealed record ProtectedPath(string Path, string What, bool Secret = true);

internal static class ProtectedPathExtensions
{
    public static IServiceCollection AddProtectedPath(this IServiceCollection services, Func<IServiceProvider, string?> path, string what,
        bool secret = true) =>
        services.AddProtectedPaths(sp => path(sp) is { Length: > 0 } p ? [p] : [], what, secret);

    public static IServiceCollection AddProtectedPaths(this IServiceCollection services, Func<IServiceProvider, IEnumerable<string>> paths, string what,
        bool secret = true) =>
        services.AddSingleton(sp => new ProtectedPathSource(() => paths(sp).Select(p => new ProtectedPath(System.IO.Path.GetFullPath(p), what, secret))));
}

/// <summary>Resolved when the sandbox first needs it (paths may come from options that are bound late).</summary>
internal sealed class ProtectedPathSource(Func<IEnumerable<ProtectedPath>> resolve)
{
    public IEnumerable<ProtectedPath> Resolve() => resolve();
}
