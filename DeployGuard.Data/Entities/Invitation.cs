namespace DeployGuard.Data.Entities;

/// <summary>
/// An admin's invitation to register: single use, for one email address, naming the role and teams the new account
/// gets. Only the SHA-256 of the link's token is stored; the link itself is mailed (or shown to the admin once).
/// </summary>
public class Invitation
{
    public Guid Id { get; set; }
    public string Email { get; set; } = "";
    /// <summary>Upper-cased like Identity's normalized email, for lookups.</summary>
    public string NormalizedEmail { get; set; } = "";
    public string Role { get; set; } = "";
    public List<Guid> TeamIds { get; set; } = [];
    public string TokenHash { get; set; } = "";
    public string? CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    public string? AcceptedUserId { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
