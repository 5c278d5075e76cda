using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class SecurityScanConfiguration : IEntityTypeConfiguration<SecurityScan>
{
    public void Configure(EntityTypeBuilder<SecurityScan> builder)
    {
        builder.ToTable("security_scans");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.ScanType).HasMaxLength(50).IsRequired();
        builder.Property(s => s.ScannerName).HasMaxLength(100).IsRequired();
        builder.Property(s => s.ScannerVersion).HasMaxLength(FieldLengths.Version);
        builder.Property(s => s.CommitSha).HasMaxLength(FieldLengths.CommitSha);
        builder.Property(s => s.AgentDecision).HasMaxLength(10).IsRequired();
        builder.Property(s => s.AgentReasoning).HasMaxLength(FieldLengths.Reason).IsRequired();
        builder.Property(s => s.Recommendations).HasMaxLength(FieldLengths.Reason);
        builder.HasOne<Deployment>().WithMany().HasForeignKey(s => s.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SecurityGateDecision>().WithMany().HasForeignKey(s => s.GateDecisionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Scan>().WithMany().HasForeignKey(s => s.ScanId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<ScanJob>().WithMany().HasForeignKey(s => s.ScanJobId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(s => s.DeploymentId);
        builder.HasIndex(s => s.GateDecisionId);
        builder.HasIndex(s => s.ScanId);
    }
}
