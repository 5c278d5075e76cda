using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace DeployGuard.Data.Migrations;

/// <summary>
/// Releases, pipeline definitions, deployments with their stages, logs, approvals, health checks, security gate
/// decisions, rollbacks and metrics, and the environments' protection rules (allowed branches, approval teams,
/// wait timer, security policy, freeze windows, blocked releases). Hand-written from the model's create script;
/// the drift test proves the result equals the model.
/// </summary>
[DbContext(typeof(ApplicationDbContext))]
[Migration("20261122000000_Deployments")]
public sealed class Deployments : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        // Existing environments get the permissive defaults; the defaults are dropped again because the model has none.
        migrationBuilder.Sql(
            """
            ALTER TABLE environments
                ADD COLUMN allowed_branches character varying(1000),
                ADD COLUMN approval_team_ids uuid[] NOT NULL DEFAULT '{}',
                ADD COLUMN wait_timer_seconds integer NOT NULL DEFAULT 0,
                ADD COLUMN security_policy character varying(20) NOT NULL DEFAULT 'Standard';
            ALTER TABLE environments
                ALTER COLUMN approval_team_ids DROP DEFAULT,
                ALTER COLUMN wait_timer_seconds DROP DEFAULT,
                ALTER COLUMN security_policy DROP DEFAULT;
            """);

        migrationBuilder.Sql(
            """
            CREATE TABLE environment_freeze_windows (
                id uuid NOT NULL,
                environment_id uuid NOT NULL,
                starts_at timestamp with time zone NOT NULL,
                ends_at timestamp with time zone NOT NULL,
                reason character varying(2000) NOT NULL,
                created_by_name character varying(256),
                created_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_environment_freeze_windows PRIMARY KEY (id),
                CONSTRAINT ck_environment_freeze_windows_range CHECK (ends_at > starts_at),
                CONSTRAINT fk_environment_freeze_windows_environments_environment_id FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE
            );

            CREATE TABLE pipeline_definitions (
                id uuid NOT NULL,
                service_id uuid NOT NULL,
                yaml text NOT NULL,
                stages jsonb NOT NULL,
                revision integer NOT NULL,
                updated_by_id character varying(450),
                updated_by_name character varying(256),
                created_at timestamp with time zone NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_pipeline_definitions PRIMARY KEY (id),
                CONSTRAINT fk_pipeline_definitions_services_service_id FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE
            );

            CREATE TABLE releases (
                id uuid NOT NULL,
                service_id uuid NOT NULL,
                version character varying(100) NOT NULL,
                version_sort_key character varying(400) COLLATE "C" NOT NULL,
                status character varying(20) NOT NULL,
                notes text,
                commit_sha character varying(64),
                branch character varying(100),
                commit_author character varying(256),
                commit_message character varying(1000),
                committed_at timestamp with time zone,
                created_by_id character varying(450),
                created_by_name character varying(256),
                created_at timestamp with time zone NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_releases PRIMARY KEY (id),
                CONSTRAINT fk_releases_services_service_id FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE RESTRICT
            );

            CREATE TABLE deployments (
                id uuid NOT NULL,
                release_id uuid NOT NULL,
                service_id uuid NOT NULL,
                environment_id uuid NOT NULL,
                strategy character varying(20) NOT NULL,
                trigger character varying(20) NOT NULL,
                triggered_by_id character varying(450),
                triggered_by_name character varying(256),
                previous_deployment_id uuid,
                status character varying(20) NOT NULL,
                status_reason character varying(2000),
                pipeline_revision integer NOT NULL,
                started_at timestamp with time zone,
                completed_at timestamp with time zone,
                duration_seconds double precision,
                deployed_url character varying(500),
                image_tag character varying(200),
                image_size_mb double precision,
                is_deleted boolean NOT NULL,
                deleted_at timestamp with time zone,
                created_at timestamp with time zone NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_deployments PRIMARY KEY (id),
                CONSTRAINT fk_deployments_deployments_previous_deployment_id FOREIGN KEY (previous_deployment_id) REFERENCES deployments (id) ON DELETE SET NULL,
                CONSTRAINT fk_deployments_environments_environment_id FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE RESTRICT,
                CONSTRAINT fk_deployments_releases_release_id FOREIGN KEY (release_id) REFERENCES releases (id) ON DELETE RESTRICT,
                CONSTRAINT fk_deployments_services_service_id FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE RESTRICT
            );

            CREATE TABLE deployment_logs (
                id bigint GENERATED BY DEFAULT AS IDENTITY,
                deployment_id uuid NOT NULL,
                stage_id uuid,
                timestamp timestamp with time zone NOT NULL,
                level character varying(10) NOT NULL,
                source character varying(10) NOT NULL,
                event_type character varying(50),
                message text NOT NULL,
                data jsonb,
                CONSTRAINT pk_deployment_logs PRIMARY KEY (id),
                CONSTRAINT fk_deployment_logs_deployments_deployment_id FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE
            );

            CREATE TABLE deployment_metrics (
                id uuid NOT NULL,
                deployment_id uuid NOT NULL,
                stage_id uuid,
                name character varying(100) NOT NULL,
                value double precision NOT NULL,
                unit character varying(20),
                recorded_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_deployment_metrics PRIMARY KEY (id),
                CONSTRAINT fk_deployment_metrics_deployments_deployment_id FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE
            );

            CREATE TABLE deployment_stages (
                id uuid NOT NULL,
                deployment_id uuid NOT NULL,
                name character varying(50) NOT NULL,
                kind character varying(20) NOT NULL,
                position integer NOT NULL,
                status character varying(20) NOT NULL,
                config jsonb NOT NULL,
                started_at timestamp with time zone,
                completed_at timestamp with time zone,
                duration_ms bigint,
                exit_code integer,
                error character varying(2000),
                claimed_by character varying(200),
                heartbeat_at timestamp with time zone,
                not_before timestamp with time zone,
                due_at timestamp with time zone,
                process_id integer,
                created_at timestamp with time zone NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_deployment_stages PRIMARY KEY (id),
                CONSTRAINT fk_deployment_stages_deployments_deployment_id FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE
            );

            CREATE TABLE rollbacks (
                id uuid NOT NULL,
                deployment_id uuid NOT NULL,
                target_release_id uuid NOT NULL,
                rollback_deployment_id uuid,
                reason character varying(2000) NOT NULL,
                status character varying(20) NOT NULL,
                initiated_by_id character varying(450),
                initiated_by_name character varying(256),
                completed_at timestamp with time zone,
                created_at timestamp with time zone NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_rollbacks PRIMARY KEY (id),
                CONSTRAINT fk_rollbacks_deployments_deployment_id FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE,
                CONSTRAINT fk_rollbacks_deployments_rollback_deployment_id FOREIGN KEY (rollback_deployment_id) REFERENCES deployments (id) ON DELETE SET NULL,
                CONSTRAINT fk_rollbacks_releases_target_release_id FOREIGN KEY (target_release_id) REFERENCES releases (id) ON DELETE RESTRICT
            );

            CREATE TABLE approvals (
                id uuid NOT NULL,
                deployment_id uuid NOT NULL,
                stage_id uuid NOT NULL,
                approver_id character varying(450),
                approver_name character varying(256),
                decision character varying(20) NOT NULL,
                notes character varying(2000),
                decided_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_approvals PRIMARY KEY (id),
                CONSTRAINT fk_approvals_deployment_stages_stage_id FOREIGN KEY (stage_id) REFERENCES deployment_stages (id) ON DELETE CASCADE,
                CONSTRAINT fk_approvals_deployments_deployment_id FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE,
                CONSTRAINT fk_approvals_users_approver_id FOREIGN KEY (approver_id) REFERENCES users (id) ON DELETE SET NULL
            );

            CREATE TABLE deployment_health_checks (
                id uuid NOT NULL,
                deployment_id uuid NOT NULL,
                stage_id uuid NOT NULL,
                check_type character varying(10) NOT NULL,
                url character varying(500) NOT NULL,
                status_code integer,
                latency_ms integer,
                healthy boolean NOT NULL,
                body_excerpt character varying(1000),
                attempt integer NOT NULL,
                max_attempts integer NOT NULL,
                error character varying(1000),
                checked_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_deployment_health_checks PRIMARY KEY (id),
                CONSTRAINT fk_deployment_health_checks_deployment_stages_stage_id FOREIGN KEY (stage_id) REFERENCES deployment_stages (id) ON DELETE CASCADE,
                CONSTRAINT fk_deployment_health_checks_deployments_deployment_id FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE
            );

            CREATE TABLE security_gate_decisions (
                id uuid NOT NULL,
                deployment_id uuid NOT NULL,
                stage_id uuid NOT NULL,
                commit_sha character varying(64),
                decision character varying(10) NOT NULL,
                reason character varying(2000) NOT NULL,
                policy character varying(20) NOT NULL,
                scan_results_found boolean NOT NULL,
                critical_count integer NOT NULL,
                high_count integer NOT NULL,
                medium_count integer NOT NULL,
                low_count integer NOT NULL,
                decided_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_security_gate_decisions PRIMARY KEY (id),
                CONSTRAINT fk_security_gate_decisions_deployment_stages_stage_id FOREIGN KEY (stage_id) REFERENCES deployment_stages (id) ON DELETE CASCADE,
                CONSTRAINT fk_security_gate_decisions_deployments_deployment_id FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE
            );

            CREATE TABLE environment_blocked_releases (
                id uuid NOT NULL,
                environment_id uuid NOT NULL,
                release_id uuid NOT NULL,
                rollback_id uuid,
                reason character varying(2000) NOT NULL,
                blocked_by_name character varying(256),
                blocked_at timestamp with time zone NOT NULL,
                unblocked_at timestamp with time zone,
                unblocked_by_name character varying(256),
                unblock_reason character varying(2000),
                CONSTRAINT pk_environment_blocked_releases PRIMARY KEY (id),
                CONSTRAINT fk_environment_blocked_releases_environments_environment_id FOREIGN KEY (environment_id) REFERENCES environments (id) ON DELETE CASCADE,
                CONSTRAINT fk_environment_blocked_releases_releases_release_id FOREIGN KEY (release_id) REFERENCES releases (id) ON DELETE CASCADE,
                CONSTRAINT fk_environment_blocked_releases_rollbacks_rollback_id FOREIGN KEY (rollback_id) REFERENCES rollbacks (id) ON DELETE SET NULL
            );

            CREATE INDEX ix_approvals_approver_id ON approvals (approver_id);

            CREATE INDEX ix_approvals_deployment_id ON approvals (deployment_id);

            CREATE UNIQUE INDEX ix_approvals_stage_id_approver_id ON approvals (stage_id, approver_id);

            CREATE INDEX ix_deployment_health_checks_deployment_id_checked_at ON deployment_health_checks (deployment_id, checked_at);

            CREATE INDEX ix_deployment_health_checks_stage_id ON deployment_health_checks (stage_id);

            CREATE INDEX ix_deployment_logs_deployment_id_id ON deployment_logs (deployment_id, id);

            CREATE INDEX ix_deployment_metrics_deployment_id_name ON deployment_metrics (deployment_id, name);

            CREATE INDEX ix_deployment_metrics_name_recorded_at ON deployment_metrics (name, recorded_at);

            CREATE UNIQUE INDEX ix_deployment_stages_deployment_id_position ON deployment_stages (deployment_id, position);

            CREATE INDEX ix_deployment_stages_status_kind ON deployment_stages (status, kind);

            CREATE INDEX ix_deployments_created_at ON deployments (created_at);

            CREATE INDEX ix_deployments_environment_id_service_id_created_at ON deployments (environment_id, service_id, created_at);

            CREATE UNIQUE INDEX ix_deployments_one_running ON deployments (service_id, environment_id) WHERE status = 'Running';

            CREATE INDEX ix_deployments_previous_deployment_id ON deployments (previous_deployment_id);

            CREATE INDEX ix_deployments_release_id_environment_id ON deployments (release_id, environment_id);

            CREATE INDEX ix_deployments_status_created_at ON deployments (status, created_at);

            CREATE UNIQUE INDEX ix_environment_blocked_releases_environment_id_release_id ON environment_blocked_releases (environment_id, release_id) WHERE unblocked_at IS NULL;

            CREATE INDEX ix_environment_blocked_releases_release_id ON environment_blocked_releases (release_id);

            CREATE INDEX ix_environment_blocked_releases_rollback_id ON environment_blocked_releases (rollback_id);

            CREATE INDEX ix_environment_freeze_windows_environment_id_ends_at ON environment_freeze_windows (environment_id, ends_at);

            CREATE UNIQUE INDEX ix_pipeline_definitions_service_id ON pipeline_definitions (service_id);

            CREATE INDEX ix_releases_commit_sha ON releases (commit_sha);

            CREATE INDEX ix_releases_created_at ON releases (created_at);

            CREATE UNIQUE INDEX ix_releases_service_id_version ON releases (service_id, version);

            CREATE INDEX ix_releases_service_id_version_sort_key ON releases (service_id, version_sort_key);

            CREATE INDEX ix_releases_status ON releases (status);

            CREATE INDEX ix_rollbacks_deployment_id ON rollbacks (deployment_id);

            CREATE INDEX ix_rollbacks_rollback_deployment_id ON rollbacks (rollback_deployment_id);

            CREATE INDEX ix_rollbacks_status ON rollbacks (status);

            CREATE INDEX ix_rollbacks_target_release_id ON rollbacks (target_release_id);

            CREATE INDEX ix_security_gate_decisions_commit_sha ON security_gate_decisions (commit_sha);

            CREATE INDEX ix_security_gate_decisions_deployment_id ON security_gate_decisions (deployment_id);

            CREATE INDEX ix_security_gate_decisions_stage_id ON security_gate_decisions (stage_id);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(
            """
            DROP TABLE IF EXISTS environment_blocked_releases CASCADE;
            DROP TABLE IF EXISTS security_gate_decisions CASCADE;
            DROP TABLE IF EXISTS deployment_health_checks CASCADE;
            DROP TABLE IF EXISTS approvals CASCADE;
            DROP TABLE IF EXISTS rollbacks CASCADE;
            DROP TABLE IF EXISTS deployment_stages CASCADE;
            DROP TABLE IF EXISTS deployment_metrics CASCADE;
            DROP TABLE IF EXISTS deployment_logs CASCADE;
            DROP TABLE IF EXISTS deployments CASCADE;
            DROP TABLE IF EXISTS releases CASCADE;
            DROP TABLE IF EXISTS pipeline_definitions CASCADE;
            DROP TABLE IF EXISTS environment_freeze_windows CASCADE;
            ALTER TABLE environments
                DROP COLUMN IF EXISTS allowed_branches,
                DROP COLUMN IF EXISTS approval_team_ids,
                DROP COLUMN IF EXISTS wait_timer_seconds,
                DROP COLUMN IF EXISTS security_policy;
            """);
    }
}
