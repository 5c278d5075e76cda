using Microsoft.AspNetCore.Identity;

namespace DeployGuard.Data.Entities;

public class ApplicationUser : IdentityUser
{
    /// <summary>How the user is shown in the UI and the audit trail; falls back to the user name.</summary>
    [PersonalData]
    public string? DisplayName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastLoginAt { get; set; }

    public string ShownName => string.IsNullOrWhiteSpace(DisplayName) ? UserName ?? Email ?? Id : DisplayName;
}
