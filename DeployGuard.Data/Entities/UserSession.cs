namespace DeployGuard.Data.Entities;

/// <summary>
/// A server-side sign-in session. The auth cookie carries only <see cref="Id"/>; the ticket lives here,
/// protected with Data Protection, so revoking the row signs the browser out on its next request.
/// </summary>
public class UserSession
{
    public Guid Id { get; set; }
    public string UserId { get; set; } = "";
    public ApplicationUser? User { get; set; }
    public byte[] Ticket { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
}
