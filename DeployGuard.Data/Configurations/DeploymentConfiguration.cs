using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class DeploymentConfiguration : IEntityTypeConfiguration<Deployment>
{
    public void Configure(EntityTypeBuilder<Deployment> builder)
    {
        builder.ToTable("deployments");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Strategy).HasConversion<string>().HasMaxLength(20);
        builder.Property(d => d.Trigger).HasConversion<string>().HasMaxLength(20);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(d => d.TriggeredById).HasMaxLength(FieldLengths.UserId);
        builder.Property(d => d.TriggeredByName).HasMaxLength(FieldLengths.PersonName);
        builder.Property(d => d.StatusReason).HasMaxLength(FieldLengths.Reason);
        builder.Property(d => d.DeployedUrl).HasMaxLength(FieldLengths.Url);
        builder.Property(d => d.ImageTag).HasMaxLength(FieldLengths.Name * 2);
        builder.HasOne(d => d.Release).WithMany().HasForeignKey(d => d.ReleaseId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(d => d.Service).WithMany().HasForeignKey(d => d.ServiceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(d => d.Environment).WithMany().HasForeignKey(d => d.EnvironmentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(d => d.PreviousDeployment).WithMany().HasForeignKey(d => d.PreviousDeploymentId).OnDelete(DeleteBehavior.SetNull);
        builder.Ignore(d => d.IsFinished);
        // One running deployment per service and environment, enforced by the database so racing runners cannot both start one.
        builder.HasIndex(d => new { d.ServiceId, d.EnvironmentId })
            .HasDatabaseName("ix_deployments_one_running")
            .IsUnique()
            .HasFilter("status = 'Running'");
        builder.HasIndex(d => new { d.Status, d.CreatedAt });
        builder.HasIndex(d => new { d.EnvironmentId, d.ServiceId, d.CreatedAt });
        builder.HasIndex(d => new { d.ReleaseId, d.EnvironmentId });
        builder.HasIndex(d => d.PreviousDeploymentId);
        builder.HasIndex(d => d.CreatedAt);
    }
}
