using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class ScanConfiguration : IEntityTypeConfiguration<Scan>
{
    public void Configure(EntityTypeBuilder<Scan> builder)
    {
        builder.ToTable("scans");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.ScanType).HasConversion(new WireEnum<ScanKind>()).HasMaxLength(50);
        builder.Property(s => s.Target).HasMaxLength(FieldLengths.Url).IsRequired();
        builder.Property(s => s.Status).HasConversion(new WireEnum<ScanState>()).HasMaxLength(20);
        builder.Property(s => s.ResultJson).HasColumnType("json");
        builder.Property(s => s.ErrorMessage).HasMaxLength(1000);
        builder.Property(s => s.Origin).HasConversion(new WireEnum<ScanOrigin>()).HasMaxLength(20);
        builder.Property(s => s.CommitSha).HasMaxLength(FieldLengths.CommitSha);
        builder.Property(s => s.Format).HasMaxLength(20);
        builder.Property(s => s.Scanner).HasMaxLength(100);
        builder.Property(s => s.ScannerVersion).HasMaxLength(FieldLengths.Version);
        builder.Property(s => s.ScopeKey).HasMaxLength(600).IsRequired();
        builder.Property(s => s.CreatedById).HasMaxLength(FieldLengths.UserId);
        builder.Property(s => s.CreatedByName).HasMaxLength(FieldLengths.PersonName);
        builder.HasOne(s => s.Service).WithMany().HasForeignKey(s => s.ServiceId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Deployment>().WithMany().HasForeignKey(s => s.DeploymentId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<ScanJob>().WithMany().HasForeignKey(s => s.ScanJobId).OnDelete(DeleteBehavior.SetNull);
        // ScanService.DeleteAsync deletes a scan's parts first (re-pointing their findings); the cascade only backs it up.
        builder.HasMany(s => s.Parts).WithOne().HasForeignKey(s => s.ParentScanId).OnDelete(DeleteBehavior.Cascade);
        // seed 02's indexes, and the gate's "latest completed scan of this service (and commit)".
        builder.HasIndex(s => s.Status);
        builder.HasIndex(s => s.StartedAt);
        builder.HasIndex(s => new { s.ServiceId, s.Status, s.CompletedAt });
        builder.HasIndex(s => new { s.ServiceId, s.CommitSha });
        builder.HasIndex(s => s.ScanJobId);
        builder.HasIndex(s => s.DeploymentId);
        builder.HasIndex(s => s.ParentScanId);
    }
}
