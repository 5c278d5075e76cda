using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class ServiceConfiguration : IEntityTypeConfiguration<Service>
{
    public void Configure(EntityTypeBuilder<Service> builder)
    {
        builder.ToTable("services");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(FieldLengths.Name).IsRequired();
        builder.Property(s => s.Description).HasMaxLength(FieldLengths.Description);
        builder.Property(s => s.RepositoryUrl).HasMaxLength(FieldLengths.Url);
        builder.Property(s => s.DefaultBranch).HasMaxLength(FieldLengths.Branch).IsRequired();
        builder.Property(s => s.BuildCommand).HasMaxLength(FieldLengths.Command);
        builder.Property(s => s.Runtime).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.AutoDeployBranch).HasMaxLength(FieldLengths.Branch);
        builder.HasOne(s => s.Team).WithMany(t => t.Services).HasForeignKey(s => s.TeamId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(s => s.Owner).WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(s => s.Name).IsUnique();
        builder.HasIndex(s => s.TeamId);
        builder.HasIndex(s => s.OwnerId);
        builder.HasIndex(s => s.CreatedAt);
    }
}
