using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class ScanJobConfiguration : IEntityTypeConfiguration<ScanJob>
{
    public void Configure(EntityTypeBuilder<ScanJob> builder)
    {
        builder.ToTable("scan_jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.CreatedById).HasMaxLength(450);
        builder.Property(j => j.CreatedByName).HasMaxLength(256);
        builder.Property(j => j.SourcePlatform).HasConversion<string>().HasMaxLength(20);
        builder.Property(j => j.SourceUrl).HasMaxLength(FieldLengths.Url).IsRequired();
        builder.Property(j => j.Branch).HasMaxLength(FieldLengths.Branch);
        builder.Property(j => j.CommitSha).HasMaxLength(64);
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(j => j.ErrorMessage).HasMaxLength(2000);
        builder.Property(j => j.ClaimedBy).HasMaxLength(200);
        builder.HasOne(j => j.Service).WithMany().HasForeignKey(j => j.ServiceId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(j => new { j.Status, j.CreatedAt });
        builder.HasIndex(j => new { j.ServiceId, j.CommitSha });
        builder.HasIndex(j => j.CreatedAt);
    }
}
