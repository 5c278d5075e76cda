namespace DeployGuard.Data.Entities;

/// <summary>That a scan job saw a secret finding, and where: one finding, many scans.</summary>
public class SecretFindingSighting
{
    public Guid JobId { get; set; }
    public Guid FindingId { get; set; }
    public int Line { get; set; }
    public int Column { get; set; }
    public string? CommitSha { get; set; }
    public bool Suppressed { get; set; }
    public DateTimeOffset SeenAt { get; set; }
}
