using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class HealthCheckAttemptConfiguration : IEntityTypeConfiguration<HealthCheckAttempt>
{
    public void Configure(EntityTypeBuilder<HealthCheckAttempt> builder)
    {
        builder.ToTable("deployment_health_checks");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.CheckType).HasConversion<string>().HasMaxLength(10);
        builder.Property(h => h.Url).HasMaxLength(FieldLengths.Url).IsRequired();
        builder.Property(h => h.BodyExcerpt).HasMaxLength(FieldLengths.Description);
        builder.Property(h => h.Error).HasMaxLength(FieldLengths.Description);
        builder.HasOne<Deployment>().WithMany().HasForeignKey(h => h.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<DeploymentStage>().WithMany().HasForeignKey(h => h.StageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(h => new { h.DeploymentId, h.CheckedAt });
        builder.HasIndex(h => h.StageId);
    }
}
