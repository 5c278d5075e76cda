using DeployGuard.Data.Services.Users;
using Microsoft.AspNetCore.Authorization;

namespace DeployGuard.Web.Auth;

/// <summary>Authorization policies, one per kind of work. Pages and endpoints name these, never roles directly.</summary>
public static class Policies
{
    /// <summary>Any role: read dashboards and the catalog.</summary>
    public const string Read = "read";

    /// <summary>Admins and Engineers: create and edit services (engineers only for their teams, checked in the service).</summary>
    public const string Engineer = "engineer";

    /// <summary>Admins and Approvers: approve releases.</summary>
    public const string Approve = "approve";

    /// <summary>Admins only: users, environments, teams, the audit trail.</summary>
    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        // A signed-in account without a role ("pending approval") satisfies none of these: it sees nothing, every API call is 403.
        var serviceTokens = new ServiceTokens.Requirement();
        options.AddPolicy(Read, p => p.RequireAuthenticatedUser().RequireRole(Roles.All).AddRequirements(serviceTokens));
        options.AddPolicy(Engineer, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin, Roles.Engineer).AddRequirements(serviceTokens));
        options.AddPolicy(Approve, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin, Roles.Approver).AddRequirements(serviceTokens));
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin).AddRequirements(serviceTokens));
        // [Authorize] without a policy (account pages, /Account/Manage endpoints): signed in, and not a CI token.
        options.DefaultPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(serviceTokens).Build();
    }
}
