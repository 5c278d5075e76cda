using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Audit;

public static class AuditSetup
{
    /// <summary>The hash-chained audit trail: writing rows in the caller's transaction, reading, verifying.</summary>
    public static IServiceCollection AddAuditServices(this IServiceCollection services)
    {
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<AuditChainVerifier>();
        services.AddSingleton<AuditCheckpointStore>();
        return services;
    }
}
