using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeployGuard.Data.Migrations
{
    /// <inheritdoc />
    public partial class ScanParts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "parent_scan_id",
                table: "scans",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_scans_parent_scan_id",
                table: "scans",
                column: "parent_scan_id");

            migrationBuilder.AddForeignKey(
                name: "fk_scans_scans_parent_scan_id",
                table: "scans",
                column: "parent_scan_id",
                principalTable: "scans",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_scans_scans_parent_scan_id",
                table: "scans");

            migrationBuilder.DropIndex(
                name: "ix_scans_parent_scan_id",
                table: "scans");

            migrationBuilder.DropColumn(
                name: "parent_scan_id",
                table: "scans");
        }
    }
}
