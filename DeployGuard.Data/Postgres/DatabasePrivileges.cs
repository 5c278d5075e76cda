using Npgsql;

namespace DeployGuard.Data.Postgres;

/// <summary>What the run-time role could do to the audit trail if its connection fell into the wrong hands.</summary>
public sealed record RuntimePrivileges(string Role, bool Superuser, bool OwnsAuditLog, bool CanRewriteAuditLog)
{
    /// <summary>Whether the role is as weak as it should be.</summary>
    public bool LeastPrivilege => !Superuser && !OwnsAuditLog && !CanRewriteAuditLog;

    /// <summary>One sentence for logs, /readyz and the admin banner; null when all is well.</summary>
    public string? Warning => LeastPrivilege
        ? null
        : $"The app's database role '{Role}' " + (Superuser ? "is a superuser"
            : OwnsAuditLog ? "owns audit_logs" : "may update or delete audit_logs")
          + ": anyone holding its connection can disable the audit triggers and rewrite the trail. Give migrations an owner role "
          + "(MIGRATIONS_DATABASE_URL or ConnectionStrings:Migrations) and run the app as a role with DML only (docs/security.md).";
}

/// <summary>Asks the database what the current (run-time) role may do.</summary>
public static class DatabasePrivileges
{
    public static async Task<RuntimePrivileges> CheckAsync(string runtimeConnectionString, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(runtimeConnectionString);
        await connection.OpenAsync(ct);
        // Membership in the owner role (with INHERIT) is as good as owning; pg_has_role covers both.
        await using var command = new NpgsqlCommand(
            """
            SELECT current_user::text,
                   (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
                   coalesce((SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = to_regclass('public.audit_logs')), false),
                   coalesce(to_regclass('public.audit_logs') IS NOT NULL
                            AND (has_table_privilege('public.audit_logs', 'UPDATE') OR has_table_privilege('public.audit_logs', 'DELETE')
                                 OR has_table_privilege('public.audit_logs', 'TRUNCATE')), false)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new RuntimePrivileges(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3));
    }
}
