using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace DeployGuard.Data.Migrations;

/// <summary>
/// A trigram index on audit_logs.user_name: the audit page's actor filter ("name contains") answered from the
/// index, so an actor with few or no rows no longer scans the whole trail (docs/BENCHMARKS.md).
/// pg_trgm ships with PostgreSQL's contrib modules and is a trusted extension (a database owner may create it).
/// </summary>
[DbContext(typeof(ApplicationDbContext))]
[Migration("20261124000000_AuditActorSearch")]
public sealed class AuditActorSearch : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(
            """
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            CREATE INDEX ix_audit_logs_user_name_trgm ON audit_logs USING gin (user_name gin_trgm_ops);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(
            """
            DROP INDEX IF EXISTS ix_audit_logs_user_name_trgm;
            DROP EXTENSION IF EXISTS pg_trgm;
            """);
    }
}
