using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class DeploymentStageConfiguration : IEntityTypeConfiguration<DeploymentStage>
{
    public void Configure(EntityTypeBuilder<DeploymentStage> builder)
    {
        builder.ToTable("deployment_stages");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(FieldLengths.ShortName).IsRequired();
        builder.Property(s => s.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.Config).HasColumnType("jsonb").IsRequired();
        builder.Property(s => s.Error).HasMaxLength(FieldLengths.Reason);
        builder.Property(s => s.ClaimedBy).HasMaxLength(200);
        builder.HasOne(s => s.Deployment).WithMany(d => d.Stages).HasForeignKey(s => s.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(s => s.IsFinished);
        builder.HasIndex(s => new { s.DeploymentId, s.Position }).IsUnique();
        // The runner's claim query and the sweeps look for pending and running stages only.
        builder.HasIndex(s => new { s.Status, s.Kind });
    }
}
