namespace DeployGuard.Data.Services.Audit;

/// <summary>Who did something, and from where: recorded on every audit row.</summary>
public sealed record AuditActor(string? UserId, string? UserName, string? IpAddress = null, string? UserAgent = null)
{
    /// <summary>Background work and command-line tools.</summary>
    public static AuditActor System { get; } = new(null, "system");

    public static AuditActor Anonymous(string? ipAddress, string? userAgent) => new(null, null, ipAddress, userAgent);
}
