using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class RollbackConfiguration : IEntityTypeConfiguration<Rollback>
{
    public void Configure(EntityTypeBuilder<Rollback> builder)
    {
        builder.ToTable("rollbacks");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Reason).HasMaxLength(FieldLengths.Reason).IsRequired();
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.InitiatedById).HasMaxLength(FieldLengths.UserId);
        builder.Property(r => r.InitiatedByName).HasMaxLength(FieldLengths.PersonName);
        builder.HasOne(r => r.Deployment).WithMany().HasForeignKey(r => r.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(r => r.TargetRelease).WithMany().HasForeignKey(r => r.TargetReleaseId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(r => r.RollbackDeployment).WithMany().HasForeignKey(r => r.RollbackDeploymentId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(r => r.DeploymentId);
        builder.HasIndex(r => r.TargetReleaseId);
        builder.HasIndex(r => r.RollbackDeploymentId);
        builder.HasIndex(r => r.Status);
    }
}
