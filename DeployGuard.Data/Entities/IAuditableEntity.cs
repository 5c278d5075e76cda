namespace DeployGuard.Data.Entities;

/// <summary>Entities whose CreatedAt/UpdatedAt are stamped by <c>TimestampInterceptor</c>.</summary>
public interface IAuditableEntity
{
    DateTimeOffset CreatedAt { get; set; }
    DateTimeOffset UpdatedAt { get; set; }
}
