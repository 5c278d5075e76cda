namespace DeployGuard.Data.Entities;

/// <summary>
/// A personal access token for the HTTP API and the CLI (`Authorization: Bearer dg_...`). Only the SHA-256 of
/// the token is stored; the value is shown once, when it is created. A token with a <see cref="ServiceId"/> is a CI
/// machine token: it acts only on that service, and only through the endpoints that report on deployments.
/// </summary>
public class ApiToken
{
    public Guid Id { get; set; }
    public string UserId { get; set; } = "";
    public ApplicationUser? User { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The first characters, to recognise a token in lists ("dg_3fA9…").</summary>
    public string Prefix { get; set; } = "";
    public string TokenHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    /// <summary>The service this token is limited to; null for an unscoped personal token.</summary>
    public Guid? ServiceId { get; set; }
    public Service? Service { get; set; }
}
