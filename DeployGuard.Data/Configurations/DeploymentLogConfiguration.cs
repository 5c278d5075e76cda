using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class DeploymentLogConfiguration : IEntityTypeConfiguration<DeploymentLog>
{
    public void Configure(EntityTypeBuilder<DeploymentLog> builder)
    {
        builder.ToTable("deployment_logs");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).UseIdentityByDefaultColumn();
        builder.Property(l => l.Level).HasConversion<string>().HasMaxLength(10);
        builder.Property(l => l.Source).HasConversion<string>().HasMaxLength(10);
        builder.Property(l => l.EventType).HasMaxLength(50);
        builder.Property(l => l.Message).IsRequired();
        builder.Property(l => l.Data).HasColumnType("jsonb");
        // No foreign key to stages on purpose: log writes are the hot path; lines go with their deployment.
        builder.HasOne<Deployment>().WithMany().HasForeignKey(l => l.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        // Tailing and paging: WHERE deployment_id = @d AND id > @after ORDER BY id.
        builder.HasIndex(l => new { l.DeploymentId, l.Id });
    }
}
