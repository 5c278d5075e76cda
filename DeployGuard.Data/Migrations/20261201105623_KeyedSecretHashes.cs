using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeployGuard.Data.Migrations
{
    /// <inheritdoc />
    public partial class KeyedSecretHashes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "hash_key_id",
                table: "secret_findings",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "hash_key_id",
                table: "feedback_items",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_secret_findings_unkeyed",
                table: "secret_findings",
                column: "hash_key_id",
                filter: "hash_key_id IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_feedback_items_unkeyed",
                table: "feedback_items",
                column: "hash_key_id",
                filter: "hash_key_id IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_secret_findings_unkeyed",
                table: "secret_findings");

            migrationBuilder.DropIndex(
                name: "ix_feedback_items_unkeyed",
                table: "feedback_items");

            migrationBuilder.DropColumn(
                name: "hash_key_id",
                table: "secret_findings");

            migrationBuilder.DropColumn(
                name: "hash_key_id",
                table: "feedback_items");
        }
    }
}
