namespace DeployGuard.Data.Services.Users;

/// <summary>The four roles. Every user holds exactly one.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Approver = "Approver";
    public const string Engineer = "Engineer";
    public const string Viewer = "Viewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Approver, Engineer, Viewer];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role);
}
