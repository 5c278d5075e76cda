using DeployGuard.Web.Isolation;

namespace DeployGuard.Web.Audit;

/// <summary>The audit trail's anchoring outside the database: signing key, checkpointer, verification.</summary>
internal static class AuditAnchoringSetup
{
    public static void AddAuditAnchoring(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuditCheckpointOptions>().Bind(builder.Configuration.GetSection(AuditCheckpointOptions.Section))
            .Validate(o => o.CheckpointEveryRows > 0, "Audit:CheckpointEveryRows must be at least 1.")
            .Validate(o => o.CheckpointEveryMinutes > 0, "Audit:CheckpointEveryMinutes must be more than 0.")
            .Validate(o => o.CheckpointUrl is not { Length: > 0 } url || Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
                "Audit:CheckpointUrl must be an http(s) URL.")
            .ValidateOnStart();
        services.AddSingleton<AuditSigningKey>();
        services.AddSingleton<AuditCheckpointer>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditCheckpointer>());
        services.AddSingleton<AuditTrailVerifier>();
        services.AddHttpClient(AuditCheckpointer.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        // Stage commands must neither read the key nor forge the local copies.
        services.AddProtectedPath(sp => sp.GetRequiredService<AuditSigningKey>().Path, "the audit signing key");
        services.AddProtectedPath(sp => sp.GetRequiredService<AuditCheckpointer>().CheckpointDirectory, "the audit checkpoint files");
    }
}
