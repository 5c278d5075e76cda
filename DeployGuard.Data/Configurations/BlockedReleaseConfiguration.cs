using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class BlockedReleaseConfiguration : IEntityTypeConfiguration<BlockedRelease>
{
    public void Configure(EntityTypeBuilder<BlockedRelease> builder)
    {
        builder.ToTable("environment_blocked_releases");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Reason).HasMaxLength(FieldLengths.Reason).IsRequired();
        builder.Property(b => b.BlockedByName).HasMaxLength(FieldLengths.PersonName);
        builder.Property(b => b.UnblockedByName).HasMaxLength(FieldLengths.PersonName);
        builder.Property(b => b.UnblockReason).HasMaxLength(FieldLengths.Reason);
        builder.HasOne<DeploymentEnvironment>().WithMany().HasForeignKey(b => b.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(b => b.Release).WithMany().HasForeignKey(b => b.ReleaseId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Rollback>().WithMany().HasForeignKey(b => b.RollbackId).OnDelete(DeleteBehavior.SetNull);
        // At most one active block per release and environment; history rows keep their unblock details.
        builder.HasIndex(b => new { b.EnvironmentId, b.ReleaseId }).IsUnique().HasFilter("unblocked_at IS NULL");
        builder.HasIndex(b => b.ReleaseId);
        builder.HasIndex(b => b.RollbackId);
    }
}
