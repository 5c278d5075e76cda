using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeployGuard.Data.Migrations
{
    /// <inheritdoc />
    public partial class JobsTable : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "jobs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    subject_id = table.Column<Guid>(type: "uuid", nullable: true),
                    payload = table.Column<string>(type: "jsonb", nullable: true),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    run_after = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    claimed_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    heartbeat_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_jobs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_jobs_claim",
                table: "jobs",
                columns: new[] { "kind", "run_after" },
                filter: "status = 'Queued'");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_completed_at",
                table: "jobs",
                column: "completed_at");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_one_per_key",
                table: "jobs",
                columns: new[] { "kind", "key" },
                unique: true,
                filter: "key IS NOT NULL AND status IN ('Queued', 'Running')");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_running",
                table: "jobs",
                columns: new[] { "kind", "heartbeat_at" },
                filter: "status = 'Running'");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_subject_id",
                table: "jobs",
                column: "subject_id");

            // Workers of every instance wake when jobs of their kind are queued: a NOTIFY on the event bus's channel,
            // which PostgreSQL delivers at commit (never for a rolled-back enqueue), one per kind and transaction.
            migrationBuilder.Sql("""
                CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('deployguard_events', json_build_object('t', 'jobs', 'e', json_build_object('kind', NEW.kind))::text);
                    RETURN NULL;
                END $$;
                CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF status ON jobs
                    FOR EACH ROW WHEN (NEW.status = 'Queued') EXECUTE FUNCTION jobs_notify();
                """);

            // Work in flight when an installation upgrades becomes jobs, so nothing waits forever and nothing runs twice:
            // queued deployments get their start, runnable stages their claim, waiting stages their timer, and what was
            // running keeps its owner and last heartbeat (the sweep recovers it if that worker is gone).
            migrationBuilder.Sql("""
                INSERT INTO jobs (id, kind, subject_id, status, attempts, run_after, created_at)
                SELECT gen_random_uuid(), 'DeploymentStart', d.id, 'Queued', 0, now(), d.created_at
                FROM deployments d WHERE d.status = 'Queued' AND NOT d.is_deleted;

                INSERT INTO jobs (id, kind, subject_id, status, attempts, run_after, created_at)
                SELECT gen_random_uuid(), 'DeploymentStage', s.id, 'Queued', 0, coalesce(s.not_before, now()), now()
                FROM deployments d
                CROSS JOIN LATERAL (SELECT f.id, f.status, f.not_before FROM deployment_stages f
                                    WHERE f.deployment_id = d.id AND f.status NOT IN ('Succeeded', 'Skipped')
                                    ORDER BY f.position LIMIT 1) s
                WHERE d.status = 'Running' AND s.status = 'Pending';

                INSERT INTO jobs (id, kind, subject_id, status, attempts, run_after, claimed_by, claimed_at, heartbeat_at, created_at)
                SELECT gen_random_uuid(), 'DeploymentStage', s.id, 'Running', 1, s.started_at, s.claimed_by, s.started_at,
                       coalesce(s.heartbeat_at, s.started_at, now()), now()
                FROM deployment_stages s WHERE s.status = 'Running' AND s.claimed_by IS NOT NULL;

                INSERT INTO jobs (id, kind, subject_id, status, attempts, run_after, created_at)
                SELECT gen_random_uuid(), 'StageTimer', s.id, 'Queued', 0, s.due_at, now()
                FROM deployment_stages s WHERE s.status = 'Running' AND s.claimed_by IS NULL AND s.due_at IS NOT NULL;

                INSERT INTO jobs (id, kind, subject_id, status, attempts, run_after, created_at)
                SELECT gen_random_uuid(), 'Scan', j.id, 'Queued', 0, now(), j.created_at FROM scan_jobs j WHERE j.status = 'Pending';

                INSERT INTO jobs (id, kind, subject_id, status, attempts, run_after, claimed_by, claimed_at, heartbeat_at, created_at)
                SELECT gen_random_uuid(), 'Scan', j.id, 'Running', 1, coalesce(j.started_at, now()), coalesce(j.claimed_by, 'unknown'), j.started_at,
                       coalesce(j.heartbeat_at, j.started_at, now()), j.created_at
                FROM scan_jobs j WHERE j.status = 'Scanning';

                INSERT INTO jobs (id, kind, subject_id, status, attempts, run_after, created_at)
                SELECT gen_random_uuid(), 'Clean', c.id, 'Queued', 0, now(), c.created_at FROM clean_jobs c WHERE c.status = 'Pending';

                INSERT INTO jobs (id, kind, subject_id, status, attempts, run_after, claimed_by, claimed_at, heartbeat_at, created_at)
                SELECT gen_random_uuid(), 'Clean', c.id, 'Running', 1, coalesce(c.started_at, now()), coalesce(c.claimed_by, 'unknown'), c.started_at,
                       coalesce(c.heartbeat_at, c.started_at, now()), c.created_at
                FROM clean_jobs c WHERE c.status = 'Scanning';
                """);

            // Liveness is the job's heartbeat now.
            migrationBuilder.DropColumn(
                name: "heartbeat_at",
                table: "scan_jobs");

            migrationBuilder.DropColumn(
                name: "heartbeat_at",
                table: "deployment_stages");

            migrationBuilder.DropColumn(
                name: "heartbeat_at",
                table: "clean_jobs");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER jobs_notify ON jobs; DROP FUNCTION jobs_notify();");

            migrationBuilder.DropTable(
                name: "jobs");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "heartbeat_at",
                table: "scan_jobs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "heartbeat_at",
                table: "deployment_stages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "heartbeat_at",
                table: "clean_jobs",
                type: "timestamp with time zone",
                nullable: true);
        }
    }
}
