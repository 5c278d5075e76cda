namespace DeployGuard.Data.Services.Audit;

/// <summary>Filters of the audit page and the CSV export.</summary>
public sealed record AuditFilter
{
    /// <summary>Matches the actor's user id exactly or the actor's name as a substring.</summary>
    public string? Actor { get; init; }
    public string? Action { get; init; }
    public string? ResourceType { get; init; }
    public string? ResourceId { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
}

public sealed record AuditRow(long Id, DateTimeOffset CreatedAt, string? UserId, string? UserName, string Action, string ResourceType,
    string? ResourceId, string Details, string? IpAddress, string? UserAgent, string PrevHash, string Hash);

/// <summary>A page of rows, newest first. <see cref="NextBefore"/> is the cursor for older rows (null at the end).</summary>
public sealed record AuditPage(IReadOnlyList<AuditRow> Rows, long? NextBefore, bool HasNewer);
