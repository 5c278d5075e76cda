using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace DeployGuard.Data.Migrations;

/// <summary>
/// Secret scanning (seed 01): scan and clean jobs, findings (hashes and redacted previews only), triage feedback,
/// learned false-positive patterns; and personal API tokens for the CLI and other machines.
/// </summary>
[DbContext(typeof(ApplicationDbContext))]
[Migration("20261123000000_SecretScanning")]
public sealed class SecretScanning : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(
            """
            CREATE TABLE feedback_submissions (
                id uuid NOT NULL,
                client_id character varying(64) NOT NULL,
                source character varying(20) NOT NULL,
                total_detected integer NOT NULL,
                confirmed_secrets integer NOT NULL,
                false_positives integer NOT NULL,
                received_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_feedback_submissions PRIMARY KEY (id)
            );

            CREATE TABLE known_false_positive_patterns (
                id uuid NOT NULL,
                pattern character varying(255) NOT NULL,
                confidence double precision NOT NULL,
                sample_count integer NOT NULL,
                false_positive_count integer NOT NULL,
                reason character varying(500) NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_known_false_positive_patterns PRIMARY KEY (id),
                CONSTRAINT ck_known_false_positive_patterns_confidence CHECK (confidence >= 0 AND confidence <= 1)
            );

            CREATE TABLE feedback_items (
                id uuid NOT NULL,
                submission_id uuid NOT NULL,
                value_hash character varying(64) NOT NULL,
                value_pattern character varying(255) NOT NULL,
                rule_id character varying(100),
                is_true_positive boolean NOT NULL,
                CONSTRAINT pk_feedback_items PRIMARY KEY (id),
                CONSTRAINT fk_feedback_items_feedback_submissions_submission_id FOREIGN KEY (submission_id) REFERENCES feedback_submissions (id) ON DELETE CASCADE
            );

            CREATE TABLE api_tokens (
                id uuid NOT NULL,
                user_id text NOT NULL,
                name character varying(100) NOT NULL,
                prefix character varying(16) NOT NULL,
                token_hash character varying(64) NOT NULL,
                created_at timestamp with time zone NOT NULL,
                expires_at timestamp with time zone,
                last_used_at timestamp with time zone,
                revoked_at timestamp with time zone,
                CONSTRAINT pk_api_tokens PRIMARY KEY (id),
                CONSTRAINT fk_api_tokens_users_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
            );

            CREATE TABLE scan_jobs (
                id uuid NOT NULL,
                created_by_id character varying(450),
                created_by_name character varying(256),
                source_platform character varying(20) NOT NULL,
                source_url character varying(500) NOT NULL,
                branch character varying(100),
                encrypted_access_token text,
                service_id uuid,
                commit_sha character varying(64),
                status character varying(20) NOT NULL,
                commits_total integer NOT NULL,
                commits_done integer NOT NULL,
                files_total integer NOT NULL,
                files_done integer NOT NULL,
                total_secrets_found integer NOT NULL,
                suppressed_count integer NOT NULL,
                error_message character varying(2000),
                claimed_by character varying(200),
                heartbeat_at timestamp with time zone,
                created_at timestamp with time zone NOT NULL,
                started_at timestamp with time zone,
                completed_at timestamp with time zone,
                duration_ms bigint,
                CONSTRAINT pk_scan_jobs PRIMARY KEY (id),
                CONSTRAINT fk_scan_jobs_services_service_id FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE SET NULL
            );

            CREATE TABLE clean_jobs (
                id uuid NOT NULL,
                scan_job_id uuid NOT NULL,
                requested_by_id character varying(450),
                requested_by_name character varying(256),
                status character varying(20) NOT NULL,
                finding_count integer NOT NULL,
                replacement_count integer NOT NULL,
                remaining_after_rescan integer,
                bundle_path character varying(1000),
                bundle_size bigint,
                error_message character varying(2000),
                claimed_by character varying(200),
                heartbeat_at timestamp with time zone,
                created_at timestamp with time zone NOT NULL,
                started_at timestamp with time zone,
                completed_at timestamp with time zone,
                CONSTRAINT pk_clean_jobs PRIMARY KEY (id),
                CONSTRAINT fk_clean_jobs_scan_jobs_scan_job_id FOREIGN KEY (scan_job_id) REFERENCES scan_jobs (id) ON DELETE CASCADE
            );

            CREATE TABLE secret_findings (
                id uuid NOT NULL,
                job_id uuid NOT NULL,
                rule_id character varying(100) NOT NULL,
                secret_type character varying(50) NOT NULL,
                severity character varying(20) NOT NULL,
                secret_value_hash character varying(64) NOT NULL,
                redacted_preview character varying(100) NOT NULL,
                value_pattern character varying(255) NOT NULL,
                file_path character varying(500) NOT NULL,
                line integer NOT NULL,
                "column" integer NOT NULL,
                commit_sha character varying(64),
                author character varying(256),
                committed_at timestamp with time zone,
                status character varying(20) NOT NULL,
                triage_reason character varying(500),
                triaged_by character varying(256),
                triaged_at timestamp with time zone,
                selected_for_cleaning boolean NOT NULL,
                suppressed boolean NOT NULL,
                suppression_reason character varying(500),
                first_seen_at timestamp with time zone NOT NULL,
                created_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_secret_findings PRIMARY KEY (id),
                CONSTRAINT fk_secret_findings_scan_jobs_job_id FOREIGN KEY (job_id) REFERENCES scan_jobs (id) ON DELETE CASCADE
            );

            CREATE UNIQUE INDEX ix_api_tokens_token_hash ON api_tokens (token_hash);

            CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);

            CREATE INDEX ix_clean_jobs_scan_job_id ON clean_jobs (scan_job_id);

            CREATE INDEX ix_clean_jobs_status_created_at ON clean_jobs (status, created_at);

            CREATE INDEX ix_feedback_items_submission_id ON feedback_items (submission_id);

            CREATE INDEX ix_feedback_items_value_pattern ON feedback_items (value_pattern);

            CREATE INDEX ix_feedback_submissions_received_at ON feedback_submissions (received_at);

            CREATE UNIQUE INDEX ix_known_false_positive_patterns_pattern ON known_false_positive_patterns (pattern);

            CREATE INDEX ix_scan_jobs_created_at ON scan_jobs (created_at);

            CREATE INDEX ix_scan_jobs_service_id_commit_sha ON scan_jobs (service_id, commit_sha);

            CREATE INDEX ix_scan_jobs_status_created_at ON scan_jobs (status, created_at);

            CREATE INDEX ix_secret_findings_created_at ON secret_findings (created_at);

            CREATE INDEX ix_secret_findings_job_id_status ON secret_findings (job_id, status);

            CREATE INDEX ix_secret_findings_rule_id_status ON secret_findings (rule_id, status);

            CREATE INDEX ix_secret_findings_secret_value_hash ON secret_findings (secret_value_hash);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(
            """
            DROP TABLE IF EXISTS secret_findings;
            DROP TABLE IF EXISTS clean_jobs;
            DROP TABLE IF EXISTS scan_jobs;
            DROP TABLE IF EXISTS api_tokens;
            DROP TABLE IF EXISTS feedback_items;
            DROP TABLE IF EXISTS known_false_positive_patterns;
            DROP TABLE IF EXISTS feedback_submissions;
            """);
    }
}
