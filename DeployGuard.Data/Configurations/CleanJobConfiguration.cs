using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class CleanJobConfiguration : IEntityTypeConfiguration<CleanJob>
{
    public void Configure(EntityTypeBuilder<CleanJob> builder)
    {
        builder.ToTable("clean_jobs");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.RequestedById).HasMaxLength(450);
        builder.Property(c => c.RequestedByName).HasMaxLength(256);
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.ErrorMessage).HasMaxLength(2000);
        builder.Property(c => c.ClaimedBy).HasMaxLength(200);
        builder.Property(c => c.RescanFindings).HasColumnType("jsonb");
        builder.HasOne(c => c.ScanJob).WithMany().HasForeignKey(c => c.ScanJobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => new { c.Status, c.CreatedAt });
        builder.HasIndex(c => c.ScanJobId);
    }
}
