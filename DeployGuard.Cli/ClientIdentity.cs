using DeployGuard.Scanning;

namespace DeployGuard.Cli;

/// <summary>
/// The anonymous client id sent with feedback: the SHA-256 of a random id created once per user and kept in
/// the user's config folder, so the server can count agreeing clients without knowing who they are.
/// </summary>
internal static class ClientIdentity
{
    public static string Resolve(string? explicitId)
    {
        var id = explicitId ?? Environment.GetEnvironmentVariable("DEPLOYGUARD_CLIENT_ID") ?? ReadOrCreate();
        return SecretHasher.Hash("deployguard-client:" + id);
    }

    private static string ReadOrCreate()
    {
        var folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "deployguard");
        var file = Path.Combine(folder, "client-id");
        if (File.Exists(file))
        {
            var existing = File.ReadAllText(file).Trim();
            if (existing.Length > 0)
            {
                return existing;
            }
        }

        Directory.CreateDirectory(folder);
        var id = Guid.NewGuid().ToString("N");
        File.WriteAllText(file, id);
        return id;
    }
}
