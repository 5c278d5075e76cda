namespace DeployGuard.Tests.Scanning.Support;

/// <summary>Paths of the repository the tests run from.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository's root (the folder holding DeployGuard.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "DeployGuard.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("DeployGuard.sln not found above " + AppContext.BaseDirectory);
    }
}
