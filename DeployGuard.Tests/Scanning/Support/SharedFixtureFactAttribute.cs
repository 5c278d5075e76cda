namespace DeployGuard.Tests.Scanning.Support;

/// <summary>
/// Files of the project's shared fixture folder (<c>shared/fixtures/</c> beside the repository, as on CI and the
/// developers' machines; or DEPLOYGUARD_SHARED_FIXTURES) that are not copied into the repository.
/// </summary>
public static class SharedFixtures
{
    public static string? Find(string relativePath)
    {
        if (Environment.GetEnvironmentVariable("DEPLOYGUARD_SHARED_FIXTURES") is { Length: > 0 } root)
        {
            var file = Path.Combine(root, relativePath);
            return File.Exists(file) ? file : null;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var file = Path.Combine(folder.FullName, "shared", "fixtures", relativePath);
            if (File.Exists(file))
            {
                return file;
            }
        }

        return null;
    }

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

/// <summary>A fact that needs a shared fixture file: reported as skipped, with the path it looked for, when it is absent.</summary>
public sealed class SharedFixtureFactAttribute : FactAttribute
{
    public SharedFixtureFactAttribute(string relativePath)
    {
        if (SharedFixtures.Find(relativePath) is null)
        {
            Skip = $"shared fixture shared/fixtures/{relativePath} not found (set DEPLOYGUARD_SHARED_FIXTURES to its folder)";
        }
    }
}
