using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace DeployGuard.Data.Migrations;

/// <summary>
/// Cleaned bundles move from the cleaning instance's disk into PostgreSQL (1 MiB pieces), so every instance behind a
/// load balancer can serve the download. Bundles made before this lived on one instance's disk: they are dropped
/// (their cleanings show no download; request the cleaning again).
/// </summary>
[DbContext(typeof(ApplicationDbContext))]
[Migration("20261124000000_CleanBundlesInDatabase")]
public sealed class CleanBundlesInDatabase : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(
            """
            CREATE TABLE clean_bundle_chunks (
                clean_job_id uuid NOT NULL,
                seq integer NOT NULL,
                data bytea NOT NULL,
                CONSTRAINT pk_clean_bundle_chunks PRIMARY KEY (clean_job_id, seq),
                CONSTRAINT fk_clean_bundle_chunks_clean_jobs_clean_job_id FOREIGN KEY (clean_job_id) REFERENCES clean_jobs (id) ON DELETE CASCADE
            );
            -- Bundles are packs, already compressed: out-of-line storage without another round of compression.
            ALTER TABLE clean_bundle_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

            UPDATE clean_jobs SET bundle_size = NULL WHERE bundle_path IS NOT NULL;
            ALTER TABLE clean_jobs DROP COLUMN bundle_path;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(
            """
            ALTER TABLE clean_jobs ADD COLUMN bundle_path character varying(1000);
            UPDATE clean_jobs SET bundle_size = NULL;
            DROP TABLE IF EXISTS clean_bundle_chunks;
            """);
    }
}
