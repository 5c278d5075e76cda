using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class DeploymentEnvironmentConfiguration : IEntityTypeConfiguration<DeploymentEnvironment>
{
    public void Configure(EntityTypeBuilder<DeploymentEnvironment> builder)
    {
        builder.ToTable("environments", t =>
            t.HasCheckConstraint("ck_environments_required_approvals", "required_approvals >= 0 AND required_approvals <= 10"));
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Name).HasMaxLength(FieldLengths.ShortName).IsRequired();
        builder.Property(e => e.Description).HasMaxLength(FieldLengths.Description);
        builder.Property(e => e.Type).HasConversion<string>().HasMaxLength(20);
        builder.Property(e => e.AllowedBranches).HasMaxLength(FieldLengths.Description);
        builder.Property(e => e.SecurityPolicy).HasConversion<string>().HasMaxLength(20);
        builder.HasIndex(e => e.Name).IsUnique();
        builder.HasIndex(e => e.Type);
        builder.HasIndex(e => e.SortOrder);
    }
}
