using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeployGuard.Data.Migrations
{
    /// <summary>
    /// Issue 11's import of 50,000 results: the per-scan <c>vulnerabilities</c> rows get narrow (the details JSON is kept
    /// once per finding, <c>vulnerability_findings.details</c>, moved from the latest scan's row), lose the two indexes
    /// nothing reads by (seed 02's cve_id and severity), and two per-row foreign-key checks become one check per statement:
    /// <c>vulnerabilities.scan_id</c> and <c>vulnerability_findings.scope_id</c> are checked by statement-level triggers
    /// over the inserted rows (locking the referenced rows FOR KEY SHARE, as a foreign key does), cannot be changed
    /// afterwards, and deleting a scan or scope deletes its rows as ON DELETE CASCADE did. The merge no longer uses the
    /// import_keys and import_gone staging tables (one statement over the staged rows instead).
    /// </summary>
    public partial class ImportFastPath : Migration
    {
        /// <inheritdoc />
        private const string Triggers = """
            CREATE FUNCTION refuse_reference_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'update on table "%" cannot change %: the reference is checked when a row is inserted', TG_TABLE_NAME, TG_ARGV[0]
                    USING ERRCODE = 'foreign_key_violation';
            END $$;

            -- vulnerabilities.scan_id references scans.id: checked once per statement over the inserted rows.
            CREATE FUNCTION vulnerabilities_scan_check() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE wanted bigint; present bigint;
            BEGIN
                SELECT count(DISTINCT scan_id) INTO wanted FROM added;
                -- FOR KEY SHARE, as a foreign key locks: the scans cannot go until this transaction ends.
                SELECT count(*) INTO present FROM (SELECT 1 FROM scans s WHERE s.id IN (SELECT scan_id FROM added) FOR KEY SHARE) p;
                IF present < wanted THEN
                    RAISE EXCEPTION 'insert on table "vulnerabilities" violates the reference to "scans": a scan_id is not a scan'
                        USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER vulnerabilities_scan_check AFTER INSERT ON vulnerabilities REFERENCING NEW TABLE AS added
                FOR EACH STATEMENT EXECUTE FUNCTION vulnerabilities_scan_check();
            CREATE TRIGGER vulnerabilities_scan_fixed BEFORE UPDATE OF scan_id ON vulnerabilities
                FOR EACH ROW WHEN (NEW.scan_id IS DISTINCT FROM OLD.scan_id) EXECUTE FUNCTION refuse_reference_change('scan_id');
            CREATE TRIGGER scans_id_fixed BEFORE UPDATE OF id ON scans
                FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION refuse_reference_change('id');
            -- ON DELETE CASCADE: a scan's rows go with it.
            CREATE FUNCTION scans_delete_vulnerabilities() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM vulnerabilities v USING gone g WHERE v.scan_id = g.id;
                RETURN NULL;
            END $$;
            CREATE TRIGGER scans_delete_vulnerabilities AFTER DELETE ON scans REFERENCING OLD TABLE AS gone
                FOR EACH STATEMENT EXECUTE FUNCTION scans_delete_vulnerabilities();

            -- vulnerability_findings.scope_id references finding_scopes.id, likewise.
            CREATE FUNCTION vulnerability_findings_scope_check() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE wanted bigint; present bigint;
            BEGIN
                SELECT count(DISTINCT scope_id) INTO wanted FROM added;
                SELECT count(*) INTO present FROM (SELECT 1 FROM finding_scopes s WHERE s.id IN (SELECT scope_id FROM added) FOR KEY SHARE) p;
                IF present < wanted THEN
                    RAISE EXCEPTION 'insert on table "vulnerability_findings" violates the reference to "finding_scopes": a scope_id is not a scope'
                        USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER vulnerability_findings_scope_check AFTER INSERT ON vulnerability_findings REFERENCING NEW TABLE AS added
                FOR EACH STATEMENT EXECUTE FUNCTION vulnerability_findings_scope_check();
            CREATE TRIGGER vulnerability_findings_scope_fixed BEFORE UPDATE OF scope_id ON vulnerability_findings
                FOR EACH ROW WHEN (NEW.scope_id IS DISTINCT FROM OLD.scope_id) EXECUTE FUNCTION refuse_reference_change('scope_id');
            CREATE TRIGGER finding_scopes_id_fixed BEFORE UPDATE OF id ON finding_scopes
                FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION refuse_reference_change('id');
            CREATE FUNCTION finding_scopes_delete_findings() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM vulnerability_findings f USING gone g WHERE f.scope_id = g.id;
                RETURN NULL;
            END $$;
            CREATE TRIGGER finding_scopes_delete_findings AFTER DELETE ON finding_scopes REFERENCING OLD TABLE AS gone
                FOR EACH STATEMENT EXECUTE FUNCTION finding_scopes_delete_findings();
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_vulnerabilities_scans_scan_id",
                table: "vulnerabilities");

            migrationBuilder.DropForeignKey(
                name: "fk_vulnerability_findings_finding_scopes_scope_id",
                table: "vulnerability_findings");

            migrationBuilder.DropIndex(
                name: "ix_vulnerabilities_cve_id",
                table: "vulnerabilities");

            migrationBuilder.DropIndex(
                name: "ix_vulnerabilities_severity",
                table: "vulnerabilities");

            migrationBuilder.AddColumn<string>(
                name: "details",
                table: "vulnerability_findings",
                type: "json",
                nullable: true);

            // Each finding keeps the details its latest scan reported.
            migrationBuilder.Sql("""
                UPDATE vulnerability_findings f SET details = v.cve_details
                FROM (SELECT DISTINCT ON (finding_id) finding_id, cve_details FROM vulnerabilities ORDER BY finding_id, created_at DESC, id DESC) v
                WHERE v.finding_id = f.id;
                """);

            migrationBuilder.DropColumn(
                name: "cve_details",
                table: "vulnerabilities");

            migrationBuilder.Sql(Triggers);
            migrationBuilder.Sql("DROP TABLE import_work.import_keys, import_work.import_gone;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE UNLOGGED TABLE import_work.import_keys (
                    identity uuid, existing_id uuid, existing_status text, existing_reported boolean, first_epss double precision,
                    first_percentile double precision);
                CREATE UNLOGGED TABLE import_work.import_gone (id uuid, status text);
                DROP TRIGGER finding_scopes_delete_findings ON finding_scopes;
                DROP TRIGGER finding_scopes_id_fixed ON finding_scopes;
                DROP TRIGGER vulnerability_findings_scope_fixed ON vulnerability_findings;
                DROP TRIGGER vulnerability_findings_scope_check ON vulnerability_findings;
                DROP TRIGGER scans_delete_vulnerabilities ON scans;
                DROP TRIGGER scans_id_fixed ON scans;
                DROP TRIGGER vulnerabilities_scan_fixed ON vulnerabilities;
                DROP TRIGGER vulnerabilities_scan_check ON vulnerabilities;
                DROP FUNCTION finding_scopes_delete_findings();
                DROP FUNCTION vulnerability_findings_scope_check();
                DROP FUNCTION scans_delete_vulnerabilities();
                DROP FUNCTION vulnerabilities_scan_check();
                DROP FUNCTION refuse_reference_change();
                """);

            migrationBuilder.AddColumn<string>(
                name: "cve_details",
                table: "vulnerabilities",
                type: "json",
                nullable: true);

            migrationBuilder.Sql("UPDATE vulnerabilities v SET cve_details = f.details FROM vulnerability_findings f WHERE f.id = v.finding_id;");

            migrationBuilder.DropColumn(
                name: "details",
                table: "vulnerability_findings");

            migrationBuilder.CreateIndex(
                name: "ix_vulnerabilities_cve_id",
                table: "vulnerabilities",
                column: "cve_id");

            migrationBuilder.CreateIndex(
                name: "ix_vulnerabilities_severity",
                table: "vulnerabilities",
                column: "severity");

            migrationBuilder.AddForeignKey(
                name: "fk_vulnerabilities_scans_scan_id",
                table: "vulnerabilities",
                column: "scan_id",
                principalTable: "scans",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_vulnerability_findings_finding_scopes_scope_id",
                table: "vulnerability_findings",
                column: "scope_id",
                principalTable: "finding_scopes",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
