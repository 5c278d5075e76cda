using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        // Append-only like audit_logs (triggers in the migration; the run-time role has INSERT and SELECT only).
        builder.ToTable("audit_checkpoints");
        builder.HasKey(c => c.Sequence);
        builder.Property(c => c.Sequence).ValueGeneratedNever();
        builder.Property(c => c.RowHash).HasMaxLength(64).IsRequired();
        builder.Property(c => c.Previous).HasMaxLength(64).IsRequired();
        builder.Property(c => c.KeyId).HasMaxLength(64).IsRequired();
        builder.Property(c => c.Algorithm).HasMaxLength(32).IsRequired();
        builder.Property(c => c.Signature).HasMaxLength(200).IsRequired();
        builder.HasIndex(c => c.RowId);
    }
}
