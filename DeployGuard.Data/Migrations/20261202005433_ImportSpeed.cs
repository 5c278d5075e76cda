using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeployGuard.Data.Migrations
{
    /// <summary>
    /// Issue 11's import of 50,000 results: the finding's vulnerability and CVE ids compare byte-wise (collation "C") instead of
    /// in the database's collation, which each of an import's B-tree inserts into their two indexes pays for. The columns
    /// they are compared with go along (vulnerability_details.id, epss_scores.cve, the staging table's two id columns):
    /// PostgreSQL refuses to compare text of two different collations. With the C.UTF-8 collation the embedded cluster
    /// uses, sorting by these ids is unchanged (both order by code point).
    /// </summary>
    public partial class ImportSpeed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "vulnerability_id",
                table: "vulnerability_findings",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                collation: "C",
                oldClrType: typeof(string),
                oldType: "character varying(200)",
                oldMaxLength: 200);

            migrationBuilder.AlterColumn<string>(
                name: "cve_id",
                table: "vulnerability_findings",
                type: "character varying(30)",
                maxLength: 30,
                nullable: true,
                collation: "C",
                oldClrType: typeof(string),
                oldType: "character varying(30)",
                oldMaxLength: 30,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "id",
                table: "vulnerability_details",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                collation: "C",
                oldClrType: typeof(string),
                oldType: "character varying(200)",
                oldMaxLength: 200);

            migrationBuilder.AlterColumn<string>(
                name: "cve",
                table: "epss_scores",
                type: "character varying(30)",
                maxLength: 30,
                nullable: false,
                collation: "C",
                oldClrType: typeof(string),
                oldType: "character varying(30)",
                oldMaxLength: 30);

            migrationBuilder.Sql("""
                ALTER TABLE import_work.import_stage ALTER COLUMN vulnerability_id TYPE text COLLATE "C",
                    ALTER COLUMN cve_id TYPE text COLLATE "C";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE import_work.import_stage ALTER COLUMN vulnerability_id TYPE text COLLATE "default",
                    ALTER COLUMN cve_id TYPE text COLLATE "default";
                """);

            migrationBuilder.AlterColumn<string>(
                name: "vulnerability_id",
                table: "vulnerability_findings",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(200)",
                oldMaxLength: 200,
                oldCollation: "C");

            migrationBuilder.AlterColumn<string>(
                name: "cve_id",
                table: "vulnerability_findings",
                type: "character varying(30)",
                maxLength: 30,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(30)",
                oldMaxLength: 30,
                oldNullable: true,
                oldCollation: "C");

            migrationBuilder.AlterColumn<string>(
                name: "id",
                table: "vulnerability_details",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(200)",
                oldMaxLength: 200,
                oldCollation: "C");

            migrationBuilder.AlterColumn<string>(
                name: "cve",
                table: "epss_scores",
                type: "character varying(30)",
                maxLength: 30,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(30)",
                oldMaxLength: 30,
                oldCollation: "C");
        }
    }
}
