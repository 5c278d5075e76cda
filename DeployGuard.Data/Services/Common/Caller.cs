using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Users;

namespace DeployGuard.Data.Services.Common;

/// <summary>
/// The signed-in person a domain operation runs for: identity, roles, and where the request came from. A call made
/// with a CI token scoped to a service carries that <see cref="ServiceScope"/>: it may act on nothing else.
/// </summary>
public sealed record Caller(string? UserId, string? UserName, IReadOnlyCollection<string> Roles, string? IpAddress = null, string? UserAgent = null,
    Guid? ServiceScope = null)
{
    public static Caller System { get; } = new(null, "system", [Users.Roles.Admin]);

    public AuditActor Actor => new(UserId, UserName, IpAddress, UserAgent);

    public bool IsAdmin => Roles.Contains(Users.Roles.Admin);

    public bool IsEngineer => Roles.Contains(Users.Roles.Engineer);

    public bool IsApprover => Roles.Contains(Users.Roles.Approver);

    public bool CanRead => Roles.Any(Users.Roles.IsKnown);

    /// <summary>False for a service-scoped token acting on another service.</summary>
    public bool InScope(Guid serviceId) => ServiceScope is null || ServiceScope == serviceId;
}
