using DeployGuard.Web.Audit;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Endpoints;

namespace DeployGuard.Web;

/// <summary>The audit trail's web side: the chain monitor behind the admin badge, and the audit API (CSV export, verify).</summary>
internal static class AuditSetup
{
    public static void AddAudit(this WebApplicationBuilder builder)
    {
        // Signed checkpoints outside the database (docs/security.md): what a database superuser cannot rewrite.
        builder.AddAuditAnchoring();
        builder.Services.AddSingleton<AuditChainMonitor>();
    }

    public static void MapAudit(this WebApplication app) => app.MapAuditEndpoints();
}
