using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class DeploymentMetricConfiguration : IEntityTypeConfiguration<DeploymentMetric>
{
    public void Configure(EntityTypeBuilder<DeploymentMetric> builder)
    {
        builder.ToTable("deployment_metrics");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Name).HasMaxLength(FieldLengths.Name).IsRequired();
        builder.Property(m => m.Unit).HasMaxLength(20);
        builder.HasOne<Deployment>().WithMany().HasForeignKey(m => m.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(m => new { m.DeploymentId, m.Name });
        builder.HasIndex(m => new { m.Name, m.RecordedAt });
    }
}
